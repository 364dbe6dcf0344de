/*
 * tiny.S — the smallest guest that measures a VMM rather than a kernel.
 *
 * Booted by kata-style-vmm (--kernel) and by qemu-system-x86_64 -M microvm (-kernel) through the PVH boot
 * protocol (xen/include/public/arch-x86/hvm/start_info.h): the VMM (or qboot, qemu's microvm firmware) enters
 * pvh_entry in 32-bit protected mode, paging off, flat segments, %ebx = hvm_start_info. Nothing here reads
 * hvm_start_info, sets up a stack or touches memory: every instruction is an I/O exit or a register op, so the
 * guest's own cost is a few instructions per exit even where guest CPL0 code is emulated (PVM).
 *
 * Assembled with GNU as into an ELF64 x86_64 object (the kata-style VMM loads ELF64 only; qemu accepts both)
 * holding 32-bit code. Variants are chosen with --defsym, no C preprocessor:
 *   ITERATIONS=n  n `out` instructions to BENCH_PORT between the "S" and "D\n" markers (0 = none)
 *   HALT=1        after "S", halt forever with interrupts off (for the RSS measurement) instead of finishing
 *
 * Sequence: "S" to the UART (start-up marker: the harness times process spawn → this byte), the I/O loop,
 * "D\n", then reset through the i8042 (out 0x64 ← 0xfe: kata-style-vmm and qemu -no-reboot both exit).
 * If that reset is ignored (a VMM without an i8042) the guest writes to isa-debug-exit's default port 0xf4,
 * which ends qemu when the harness added `-device isa-debug-exit`, and then halts forever.
 */

    .ifndef ITERATIONS
    .set ITERATIONS, 0
    .endif
    .ifndef HALT
    .set HALT, 0
    .endif

    /* 8250 UART transmit holding register at COM1 (both VMMs; Linux's ttyS0). */
    .set UART_THR, 0x3f8
    /*
     * The I/O-exit port: decoded by nothing in either VMM, so each `out` is a plain exit to the VMM's
     * user-space port bus and back, with no device work. Avoided on purpose: 0x20/0xa0 (PIC) and 0x40-0x43/0x61
     * (PIT), which KVM may handle in the kernel without reaching the VMM; 0x70 (RTC); 0x80 and 0xed (POST /
     * io_delay, special-cased by some VMMs); 0xe9 (debugcon); 0xf4 (isa-debug-exit); 0x2e8/0x2f8/0x3e8/0x3f8
     * (UARTs, which some VMMs stub); 0x510-0x51b (qemu fw_cfg); 0xcf8-0xcff (PCI config).
     */
    .set BENCH_PORT, 0x700
    /* i8042 command port and its "pulse reset line" command (8042 datasheet; Linux arch/x86/kernel/reboot.c). */
    .set I8042_COMMAND, 0x64
    .set I8042_RESET, 0xfe
    /* qemu's isa-debug-exit default iobase (hw/misc/debugexit.c). */
    .set DEBUG_EXIT_PORT, 0xf4

    /*
     * PVH entry note (ELF gABI "Note Section"; Linux arch/x86/platform/pvh/head.S): name "Xen", type 18 =
     * XEN_ELFNOTE_PHYS32_ENTRY, descriptor the 32-bit physical entry address. The descriptor is 8 bytes as in
     * Linux (_ASM_PTR on x86_64): qemu reads a full 64-bit word from it (hw/i386/x86.c read_pvh_start_addr).
     */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4                 /* n_namesz: "Xen\0" */
    .long 8                 /* n_descsz */
    .long 18                /* n_type: XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .balign 4
    .quad pvh_entry
    .balign 4

    .text
    .code32
    .globl pvh_entry
pvh_entry:
    cli
    mov $UART_THR, %dx
    mov $'S', %al
    out %al, %dx

    .if HALT
1:  hlt
    jmp 1b
    .endif

    .if ITERATIONS
    mov $ITERATIONS, %ecx
    mov $BENCH_PORT, %dx
2:  out %al, %dx
    dec %ecx
    jnz 2b
    .endif

    mov $UART_THR, %dx
    mov $'D', %al
    out %al, %dx
    mov $'\n', %al
    out %al, %dx

    mov $I8042_RESET, %al
    out %al, $I8042_COMMAND

    /* Still here: the VMM has no i8042 (see above). */
    mov $0, %al
    out %al, $DEBUG_EXIT_PORT
3:  hlt
    jmp 3b
