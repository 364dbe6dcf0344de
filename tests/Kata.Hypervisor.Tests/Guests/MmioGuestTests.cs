using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Tests.Infrastructure;
using static Iced.Intel.AssemblerRegisters;

namespace Kata.Hypervisor.Tests.Guests;

/// <summary>Guest accesses to addresses without RAM exit as MMIO with the address, width and data of the access.</summary>
public class MmioGuestTests
{
    private const ulong Base = TinyGuestLayout.MmioAddress;

    /// <summary>What the test device answers to a read of <paramref name="width"/> bytes at <paramref name="offset"/>.</summary>
    private static ulong DeviceValue(ulong offset, int width) => 0xf0e0_d0c0_b0a0_9080UL ^ (offset * 0x0101_0101_0101_0101UL) ^ (ulong)width;

    [Fact]
    public void LongMode_WritesAndReadsOfWidth1248_ExitWithAddressWidthAndData()
    {
        using var guest = TinyGuest.Create();
        var device = new TestBusDevice(DeviceValue);
        guest.MmioBus.Register(Base, 0x1000, device);
        guest.LoadLongMode(a =>
        {
            a.mov(rbx, Base);
            a.mov(__byte_ptr[rbx], 0x11);
            a.mov(__word_ptr[rbx + 2], 0x2233);
            a.mov(__dword_ptr[rbx + 4], 0x4455_6677);
            a.mov(rax, 0x8899_aabb_ccdd_eeffUL);
            a.mov(__qword_ptr[rbx + 8], rax);
            a.mov(al, __byte_ptr[rbx + 0x10]);
            a.mov(cx, __word_ptr[rbx + 0x12]);
            a.mov(edx, __dword_ptr[rbx + 0x14]);
            a.mov(rsi, __qword_ptr[rbx + 0x18]);
            a.hlt();
        });

        IReadOnlyList<TinyGuestExit> exits = guest.RunUntilStop();

        Assert.Collection(exits,
            e => AssertMmio(e, write: true, Base + 0x00, 1, 0x11),
            e => AssertMmio(e, write: true, Base + 0x02, 2, 0x2233),
            e => AssertMmio(e, write: true, Base + 0x04, 4, 0x4455_6677),
            e => AssertMmio(e, write: true, Base + 0x08, 8, 0x8899_aabb_ccdd_eeff),
            e => AssertMmio(e, write: false, Base + 0x10, 1, DeviceValue(0x10, 1) & 0xff),
            e => AssertMmio(e, write: false, Base + 0x12, 2, DeviceValue(0x12, 2) & 0xffff),
            e => AssertMmio(e, write: false, Base + 0x14, 4, DeviceValue(0x14, 4) & 0xffff_ffff),
            e => AssertMmio(e, write: false, Base + 0x18, 8, DeviceValue(0x18, 8)),
            e => Assert.Equal(VcpuExitReason.Hlt, e.Reason));
        KvmRegs regs = guest.Vcpu.GetRegs();
        Assert.Equal(DeviceValue(0x10, 1) & 0xff, regs.Rax & 0xff);
        Assert.Equal(DeviceValue(0x12, 2) & 0xffff, regs.Rcx & 0xffff);
        Assert.Equal(DeviceValue(0x14, 4) & 0xffff_ffff, regs.Rdx);
        Assert.Equal(DeviceValue(0x18, 8), regs.Rsi);
        Assert.Equal([0UL, 2, 4, 8, 0x10, 0x12, 0x14, 0x18], device.Accesses.Select(a => a.Offset));
    }

    [Fact]
    public void ProtectedMode32_DwordWriteAndRead_ExitAsMmio()
    {
        using var guest = TinyGuest.Create();
        var device = new TestBusDevice(DeviceValue);
        guest.MmioBus.Register(Base, 0x1000, device);
        guest.LoadProtectedMode32(a =>
        {
            a.mov(ebx, (uint)Base);
            a.mov(__dword_ptr[ebx + 0x40], 0x1357_9bdf);
            a.mov(edi, __dword_ptr[ebx + 0x44]);
            a.hlt();
        });

        IReadOnlyList<TinyGuestExit> exits = guest.RunUntilStop();

        Assert.Collection(exits,
            e => AssertMmio(e, write: true, Base + 0x40, 4, 0x1357_9bdf),
            e => AssertMmio(e, write: false, Base + 0x44, 4, DeviceValue(0x44, 4) & 0xffff_ffff),
            e => Assert.Equal(VcpuExitReason.Hlt, e.Reason));
        Assert.Equal(DeviceValue(0x44, 4) & 0xffff_ffff, guest.Vcpu.GetRegs().Rdi & 0xffff_ffff);
    }

    [Fact]
    public void ReadOfAnUnclaimedAddress_ReturnsAllOnes()
    {
        using var guest = TinyGuest.Create();
        guest.LoadLongMode(a =>
        {
            a.mov(rbx, Base + 0x8000);
            a.mov(rax, __qword_ptr[rbx]);
            a.hlt();
        });

        IReadOnlyList<TinyGuestExit> exits = guest.RunUntilStop();

        Assert.Equal(VcpuExitReason.Hlt, exits[^1].Reason);
        Assert.Equal(ulong.MaxValue, guest.Vcpu.GetRegs().Rax);
    }

    private static void AssertMmio(TinyGuestExit exit, bool write, ulong address, int size, ulong value)
    {
        Assert.True(exit.Reason == VcpuExitReason.Mmio, exit.ToString());
        Assert.Equal(write, exit.IsWrite);
        Assert.Equal(address, exit.MmioAddress);
        Assert.Equal(size, exit.Size);
        Assert.Equal(value, exit.Value);
    }
}
