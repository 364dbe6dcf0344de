using System.Text;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>
/// Program fragments the tiny guests share. Each emits the same instructions whatever the assembler's bitness
/// (16, 32 or 64), so a fragment works in every mode.
/// </summary>
public static class TinyGuestPrograms
{
    public const ushort Com1 = 0x3f8;
    public const ushort I8042Data = 0x60;
    public const ushort I8042Command = 0x64;
    public const byte I8042ResetCommand = 0xfe;
    public const uint FloodDoneValue = 0x600d_d00d;

    // 8250 registers as offsets from the base port, and the LSR bit a polling driver waits for.
    private const ushort Ier = 1, Lcr = 3, Mcr = 4, Lsr = 5;
    private const byte LsrThrEmpty = 0x20;

    /// <summary>The garbage the port flood writes to <paramref name="port"/>: (port low ^ port high) + 0x5a.</summary>
    public static byte FloodGarbage(int port) => (byte)(((port & 0xff) ^ (port >> 8)) + 0x5a);

    /// <summary>
    /// Writes <see cref="FloodGarbage"/> to every port 0..0xFFFF with <c>out dx, al</c>, in order, then
    /// <see cref="FloodDoneValue"/> as a dword to <see cref="TinyGuestLayout.DonePort"/>.
    /// </summary>
    public static void EmitByteFlood(Assembler a)
    {
        var loop = a.CreateLabel();
        a.xor(edx, edx);
        a.Label(ref loop);
        a.mov(al, dl);
        a.xor(al, dh);
        a.add(al, 0x5a);
        a.@out(dx, al);
        a.inc(dx);
        a.jnz(loop);
        a.mov(dx, TinyGuestLayout.DonePort);
        a.mov(eax, FloodDoneValue);
        a.@out(dx, eax);
    }

    /// <summary>
    /// Word or dword writes to ports 0..0xFFF, where the legacy devices live, so accesses straddle their registers.
    /// Every byte of every value is below 0x80: no byte landing on port 0x64 is an i8042 reset or 0xD1 command.
    /// </summary>
    public static void EmitWideFlood(Assembler a, bool dwords)
    {
        var loop = a.CreateLabel();
        a.xor(edx, edx);
        a.Label(ref loop);
        a.movzx(eax, dl);
        a.and(eax, 0x7f);
        a.imul(eax, eax, 0x0101_0101);
        if (dwords)
        {
            a.@out(dx, eax);
        }
        else
        {
            a.@out(dx, ax);
        }
        a.inc(dx);
        a.cmp(dx, 0x1000);
        a.jb(loop);
    }

    /// <summary>Programs COM1 as a driver does after garbage: 8N1 with DLAB clear, no loopback, no interrupts.</summary>
    public static void EmitUartInit(Assembler a)
    {
        a.mov(dx, Com1 + Lcr);
        a.mov(al, 0x03);
        a.@out(dx, al);
        a.mov(dx, Com1 + Mcr);
        a.mov(al, 0x03);
        a.@out(dx, al);
        a.mov(dx, Com1 + Ier);
        a.xor(al, al);
        a.@out(dx, al);
    }

    /// <summary>Writes <paramref name="text"/> to COM1 as a polling driver does: wait for LSR.THRE, then write THR.</summary>
    public static void EmitPrint(Assembler a, string text)
    {
        foreach (byte c in Encoding.ASCII.GetBytes(text))
        {
            var wait = a.CreateLabel();
            a.Label(ref wait);
            a.mov(dx, Com1 + Lsr);
            a.@in(al, dx);
            a.test(al, LsrThrEmpty);
            a.jz(wait);
            a.mov(dx, Com1);
            a.mov(al, c);
            a.@out(dx, al);
        }
    }

    /// <summary>Pulses the CPU reset line through the i8042 (what Linux's reboot=k does), then spins.</summary>
    public static void EmitI8042Reset(Assembler a)
    {
        a.mov(al, I8042ResetCommand);
        a.@out((byte)I8042Command, al);
        EmitSpin(a);
    }

    /// <summary>An endless stream of writes to an unclaimed port (0x80): every one is an exit.</summary>
    public static void EmitPortSpin(Assembler a)
    {
        var spin = a.CreateLabel();
        a.mov(dx, 0x80);
        a.Label(ref spin);
        a.@out(dx, al);
        a.inc(eax);
        a.jmp(spin);
    }

    /// <summary><c>jmp $</c>: spins without exits.</summary>
    public static void EmitSpin(Assembler a)
    {
        var spin = a.CreateLabel();
        a.Label(ref spin);
        a.jmp(spin);
    }
}
