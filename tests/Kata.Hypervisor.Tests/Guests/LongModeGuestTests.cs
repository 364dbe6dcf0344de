using System.Numerics;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using static Iced.Intel.AssemblerRegisters;

namespace Kata.Hypervisor.Tests.Guests;

/// <summary>64-bit guests with the tests' own GDT and identity page tables: arithmetic, guest RAM, registers.</summary>
public class LongModeGuestTests
{
    private const ulong EferLma = 1UL << 10;

    [Fact]
    public void Computes64BitValues_AndReportsThemThroughPortsAndRegisters()
    {
        const ulong a0 = 0x0123_4567_89ab_cdef, b0 = 0xfedc_ba98_7654_3210;
        ulong expected = unchecked(BitOperations.RotateRight(a0 * 3 + b0, 13) ^ b0);
        using var guest = TinyGuest.Create();
        guest.LoadLongMode(a =>
        {
            a.mov(rax, a0);
            a.mov(rbx, b0);
            a.imul(rax, rax, 3);
            a.add(rax, rbx);
            a.ror(rax, 13);
            a.xor(rax, rbx);
            a.mov(r15, rax);
            a.mov(r8, 1UL << 63);
            a.shr(r8, 60);
            a.lea(r9, __[r8 + r8 * 4 + 0x7fff_0000]);
            a.mov(dx, TinyGuestLayout.DonePort);
            a.@out(dx, eax);
            a.shr(rax, 32);
            a.@out(dx, eax);
            a.hlt();
        });

        IReadOnlyList<TinyGuestExit> exits = guest.RunUntilStop();

        Assert.Equal(3, exits.Count);
        Assert.True(exits[0].IsPortWrite(TinyGuestLayout.DonePort) && exits[1].IsPortWrite(TinyGuestLayout.DonePort));
        Assert.Equal(expected, exits[0].Value | (exits[1].Value << 32));
        Assert.Equal(VcpuExitReason.Hlt, exits[2].Reason);
        KvmRegs regs = guest.Vcpu.GetRegs();
        Assert.Equal(expected, regs.R15);
        Assert.Equal(expected >> 32, regs.Rax);
        Assert.Equal(8UL, regs.R8);
        Assert.Equal(8UL * 5 + 0x7fff_0000, regs.R9);
        Assert.Equal(TinyGuestLayout.StackTop, regs.Rsp);
        KvmSregs sregs = guest.Vcpu.GetSregs();
        Assert.NotEqual(0UL, sregs.Efer & EferLma);
        Assert.Equal(1, sregs.Cs.L);
        Assert.Equal(TinyGuestLayout.Pml4Address, sregs.Cr3);
    }

    [Fact]
    public void GuestWritesAPattern_TheHostReadsItThroughGuestMemory()
    {
        const ulong target = 0x10_0000; // 1 MiB: beyond what real mode reaches, inside the first 2 MiB page
        const int qwords = 1024;
        using var guest = TinyGuest.Create();
        guest.LoadLongMode(a =>
        {
            var loop = a.CreateLabel();
            a.mov(rdi, target);
            a.xor(ecx, ecx);
            a.mov(rdx, 0x0101_0101_0101_0101UL);
            a.Label(ref loop);
            a.mov(rax, rcx);
            a.imul(rax, rdx);
            a.not(rax);
            a.mov(__qword_ptr[rdi + rcx * 8], rax);
            a.inc(rcx);
            a.cmp(rcx, qwords);
            a.jb(loop);
            a.hlt();
        });

        TinyGuestExit exit = guest.RunToNextExit();

        Assert.Equal(VcpuExitReason.Hlt, exit.Reason);
        for (ulong i = 0; i < qwords; i++)
        {
            Assert.Equal(~unchecked(i * 0x0101_0101_0101_0101UL), guest.Memory.Read<ulong>(new GuestAddress(target + i * 8)));
        }
        Assert.Equal(0UL, guest.Memory.Read<ulong>(new GuestAddress(target + qwords * 8)));
    }

    [Fact]
    public void HostWritesData_TheGuestSumsIt()
    {
        const int count = 2048;
        var random = new Random(20240611);
        ulong[] values = [.. Enumerable.Range(0, count).Select(_ => (ulong)random.NextInt64() * 3)];
        ulong expected = values.Aggregate(0UL, (sum, v) => unchecked(sum + v));
        using var guest = TinyGuest.Create();
        for (int i = 0; i < count; i++)
        {
            guest.Memory.Write(new GuestAddress(TinyGuestLayout.DataAddress + (ulong)i * 8), values[i]);
        }
        guest.LoadLongMode(a =>
        {
            var loop = a.CreateLabel();
            a.mov(rsi, TinyGuestLayout.DataAddress);
            a.mov(ecx, count);
            a.xor(eax, eax);
            a.Label(ref loop);
            a.add(rax, __qword_ptr[rsi]);
            a.add(rsi, 8);
            a.dec(rcx);
            a.jnz(loop);
            a.mov(dx, TinyGuestLayout.DonePort);
            a.@out(dx, eax);
            a.hlt();
        });

        IReadOnlyList<TinyGuestExit> exits = guest.RunUntilStop();

        Assert.Equal(2, exits.Count);
        Assert.Equal(expected & 0xffff_ffff, exits[0].Value);
        Assert.Equal(VcpuExitReason.Hlt, exits[1].Reason);
        KvmRegs regs = guest.Vcpu.GetRegs();
        Assert.Equal(expected, regs.Rax);
        Assert.Equal(TinyGuestLayout.DataAddress + count * 8, regs.Rsi);
        Assert.Equal(0UL, regs.Rcx);
    }

    [Fact]
    public void RegistersSetByTheHost_AreSeenByTheGuest_AndRipAdvancesPastEachExit()
    {
        using var guest = TinyGuest.Create();
        byte[] code = TinyGuestAssembler.Assemble(64, TinyGuestLayout.CodeAddress, a =>
        {
            a.add(r12, r13);
            a.mov(dx, TinyGuestLayout.DonePort);
            a.@out(dx, al);
            a.hlt();
        });
        guest.LoadCode(code);
        TinyGuestCpu.EnterLongMode(guest.Vcpu, guest.Memory);
        KvmRegs regs = guest.Vcpu.GetRegs();
        regs.R12 = 40;
        regs.R13 = 0x1_0000_0002;
        regs.Rax = 0x77;
        guest.Vcpu.SetRegs(regs);

        TinyGuestExit out1 = guest.RunToNextExit();
        KvmRegs afterOut = guest.Vcpu.GetRegs();
        TinyGuestExit hlt = guest.RunToNextExit();
        KvmRegs afterHlt = guest.Vcpu.GetRegs();

        Assert.True(out1.IsPortWrite(TinyGuestLayout.DonePort));
        Assert.Equal(0x77UL, out1.Value);
        Assert.Equal(0x1_0000_002aUL, afterOut.R12);
        Assert.Equal(TinyGuestLayout.CodeAddress + (ulong)code.Length - 1, afterOut.Rip);
        Assert.Equal(VcpuExitReason.Hlt, hlt.Reason);
        Assert.Equal(TinyGuestLayout.CodeAddress + (ulong)code.Length, afterHlt.Rip);
    }
}
