using System.Buffers.Binary;
using System.Text;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using static Iced.Intel.AssemblerRegisters;

namespace Kata.Hypervisor.Tests.Guests;

/// <summary>16-bit real-mode guests on the real /dev/kvm: port I/O exits in both directions, string I/O, HLT.</summary>
public class RealModeGuestTests
{
    private const ushort TestPort = 0x510;

    [Fact]
    public void Out_ExitsWithPortWidthAndData_ForByteWordAndDword()
    {
        using var guest = TinyGuest.Create();
        guest.LoadRealMode(a =>
        {
            a.mov(dx, TestPort);
            a.mov(al, 0x5a);
            a.@out(dx, al);
            a.mov(ax, 0x1234);
            a.@out(dx, ax);
            a.mov(eax, 0xdeadbeef);
            a.@out(dx, eax);
            a.hlt();
        });

        IReadOnlyList<TinyGuestExit> exits = guest.RunUntilStop();

        Assert.Collection(exits,
            e => AssertOut(e, size: 1, value: 0x5a),
            e => AssertOut(e, size: 2, value: 0x1234),
            e => AssertOut(e, size: 4, value: 0xdeadbeef),
            e => Assert.Equal(VcpuExitReason.Hlt, e.Reason));
    }

    [Fact]
    public void In_ReturnsTheValueTheHandlerWroteIntoExitData()
    {
        using var guest = TinyGuest.Create();
        guest.LoadRealMode(a =>
        {
            a.mov(dx, TestPort);
            a.@in(al, dx);
            a.mov(bl, al);
            a.@in(ax, dx);
            a.mov(cx, ax);
            a.@in(eax, dx);
            a.mov(esi, eax);
            // Echo the dword back, so the guest itself shows what it read.
            a.mov(dx, TinyGuestLayout.DonePort);
            a.@out(dx, eax);
            a.hlt();
        });
        var answers = new Queue<uint>([0xa5, 0xbeef, 0xcafe_f00d]);
        var sizes = new List<int>();
        uint echoed = 0;

        guest.Run(exit =>
        {
            if (exit.Reason == VcpuExitReason.Io && !exit.IsWrite && exit.Port == TestPort)
            {
                sizes.Add(exit.Size);
                Span<byte> value = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(value, answers.Dequeue());
                value[..exit.Size].CopyTo(exit.Data);
                return true;
            }
            if (exit.Reason == VcpuExitReason.Io && exit.IsWrite && exit.Port == TinyGuestLayout.DonePort)
            {
                echoed = BinaryPrimitives.ReadUInt32LittleEndian(exit.Data);
                return true;
            }
            Assert.Equal(VcpuExitReason.Hlt, exit.Reason);
            return false;
        });

        Assert.Equal([1, 2, 4], sizes);
        Assert.Equal(0xcafe_f00du, echoed);
        KvmRegs regs = guest.Vcpu.GetRegs();
        Assert.Equal(0xa5UL, regs.Rbx & 0xff);
        Assert.Equal(0xbeefUL, regs.Rcx & 0xffff);
        Assert.Equal(0xcafe_f00dUL, regs.Rsi & 0xffff_ffff);
    }

    [Fact]
    public void InThroughThePortBus_UnclaimedPortsReadAllOnes()
    {
        using var guest = TinyGuest.Create();
        var device = new TestBusDevice((offset, width) => 0x1122_3344_5566_7788UL + offset);
        guest.PortBus.Register(TestPort, 4, device);
        guest.LoadRealMode(a =>
        {
            a.mov(dx, TestPort + 2);
            a.@in(eax, dx);
            a.mov(ebx, eax);
            a.mov(dx, 0x4321); // nothing is registered here
            a.@in(ax, dx);
            a.hlt();
        });

        IReadOnlyList<TinyGuestExit> exits = guest.RunUntilStop();

        Assert.Equal(VcpuExitReason.Hlt, exits[^1].Reason);
        KvmRegs regs = guest.Vcpu.GetRegs();
        Assert.Equal(0x5566_778aUL, regs.Rbx & 0xffff_ffff);
        Assert.Equal(0xffffUL, regs.Rax & 0xffff);
        Assert.Equal((false, 2UL), device.Accesses.Select(a => (a.IsWrite, a.Offset)).Single());
    }

    // KVM's instruction emulator (arch/x86/kvm/emulate.c, em_out) hands OUTS to userspace one element per exit
    // (count 1) even with REP, on hardware KVM and on PVM alike; only INS is batched (pio_in_emulated reads ahead up
    // to 1 KiB). So REP OUTS must arrive complete and in order, one exit per element.
    [Fact]
    public void RepOutsb_DeliversTheWholeStringInOrder_OneElementPerExit()
    {
        byte[] message = Encoding.ASCII.GetBytes("string I/O through KVM, rep outsb!");
        using var guest = TinyGuest.Create();
        guest.Memory.Write(new GuestAddress(TinyGuestLayout.DataAddress), message);
        guest.LoadRealMode(a =>
        {
            a.cld();
            a.xor(si, si);
            a.mov(cx, (ushort)message.Length);
            a.mov(dx, TestPort);
            a.rep.outsb();
            a.hlt();
        });

        IReadOnlyList<TinyGuestExit> exits = guest.RunUntilStop();

        Assert.Equal(VcpuExitReason.Hlt, exits[^1].Reason);
        TinyGuestExit[] io = [.. exits.SkipLast(1)];
        Assert.All(io, e => Assert.True(e.IsPortWrite(TestPort) && e.Size == 1 && e.Count == 1, e.ToString()));
        Assert.Equal(message, io.SelectMany(e => e.Data));
        Assert.Equal((ulong)message.Length, guest.Vcpu.GetRegs().Rsi & 0xffff);
    }

    [Fact]
    public void RepOutsw_DeliversWordsToTheBusOneAccessAtATime()
    {
        ushort[] words = [0x0102, 0x0304, 0x0506, 0x0708, 0x090a, 0x0b0c, 0x0d0e, 0x0f10];
        using var guest = TinyGuest.Create();
        for (int i = 0; i < words.Length; i++)
        {
            guest.Memory.Write(new GuestAddress(TinyGuestLayout.DataAddress + (ulong)i * 2), words[i]);
        }
        var device = new TestBusDevice();
        guest.PortBus.Register(TestPort, 2, device);
        guest.LoadRealMode(a =>
        {
            a.cld();
            a.xor(si, si);
            a.mov(cx, (ushort)words.Length);
            a.mov(dx, TestPort);
            a.rep.outsw();
            a.hlt();
        });

        IReadOnlyList<TinyGuestExit> exits = guest.RunUntilStop();

        Assert.Equal(VcpuExitReason.Hlt, exits[^1].Reason);
        Assert.All(exits.SkipLast(1), e => Assert.True(e.IsPortWrite(TestPort) && e.Size == 2 && e.Count == 1, e.ToString()));
        Assert.Equal(words, device.Accesses.Select(a => BinaryPrimitives.ReadUInt16LittleEndian(a.Data)));
    }

    [Fact]
    public void RepInsb_IsBatched_CountAboveOne_AndFillsGuestMemoryFromTheDevice()
    {
        const int length = 40;
        using var guest = TinyGuest.Create();
        int next = 0;
        var device = new TestBusDevice((_, _) => (ulong)(0x40 + next++));
        guest.PortBus.Register(TestPort, 1, device);
        guest.LoadRealMode(a =>
        {
            a.cld();
            a.mov(di, 0x100);
            a.mov(cx, length);
            a.mov(dx, TestPort);
            a.rep.insb();
            a.hlt();
        });

        IReadOnlyList<TinyGuestExit> exits = guest.RunUntilStop();

        Assert.Equal(VcpuExitReason.Hlt, exits[^1].Reason);
        Assert.Contains(exits, e => e.Reason == VcpuExitReason.Io && !e.IsWrite && e.Count > 1);
        Assert.Equal(length, exits.Where(e => e.Reason == VcpuExitReason.Io).Sum(e => e.Count));
        var buffer = new byte[length];
        guest.Memory.Read(new GuestAddress(TinyGuestLayout.DataAddress + 0x100), buffer);
        Assert.Equal(Enumerable.Range(0x40, length).Select(b => (byte)b), buffer);
    }

    [Fact]
    public void Hlt_WithoutIrqchip_ExitsToUserspace_AfterTheInstruction()
    {
        using var guest = TinyGuest.Create();
        guest.LoadRealMode(a =>
        {
            a.nop();
            a.hlt();
            a.nop();
        });

        TinyGuestExit exit = guest.RunToNextExit();

        Assert.Equal(VcpuExitReason.Hlt, exit.Reason);
        Assert.Equal(2UL, guest.Vcpu.GetRegs().Rip);
    }

    [Fact]
    public void ImmediateExit_SetBeforeRun_ReturnsInterruptedWithoutRunningTheGuest()
    {
        using var guest = TinyGuest.Create();
        guest.LoadRealMode(a =>
        {
            a.mov(dx, TestPort);
            a.@out(dx, al);
            a.hlt();
        });
        guest.Vcpu.ImmediateExit = true;

        TinyGuestExit first = guest.RunToNextExit();

        Assert.Equal(VcpuExitReason.Interrupted, first.Reason);
        Assert.Equal(0UL, guest.Vcpu.GetRegs().Rip);

        guest.Vcpu.ImmediateExit = false;
        TinyGuestExit second = guest.RunToNextExit();
        Assert.True(second.IsPortWrite(TestPort), second.ToString());
    }

    private static void AssertOut(TinyGuestExit exit, int size, ulong value)
    {
        Assert.True(exit.IsPortWrite(TestPort), exit.ToString());
        Assert.Equal(size, exit.Size);
        Assert.Equal(1, exit.Count);
        Assert.Equal(value, exit.Value);
    }
}
