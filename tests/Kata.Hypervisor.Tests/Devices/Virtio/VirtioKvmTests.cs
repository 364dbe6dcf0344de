using Iced.Intel;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Rng;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using Kata.Hypervisor.Vmm;
using Serilog;
using static Iced.Intel.AssemblerRegisters;

namespace Kata.Hypervisor.Tests.Devices.Virtio;

/// <summary>
/// virtio-rng on the real /dev/kvm with a tiny long-mode guest: the guest's QueueNotify write is an ioeventfd (no exit
/// to userspace), the event loop thread processes the queue, and the completion interrupt is an irqfd through the
/// in-kernel IOAPIC and LAPIC to the guest's IDT.
/// </summary>
public sealed class VirtioKvmTests
{
    private const ulong Window = TinyGuestLayout.MmioAddress;
    private const ulong NotifyAddress = Window + VirtioMmioRegister.QueueNotify;
    private const uint Irq = 5;
    private const byte Vector = 0x40;
    private const ulong Rings = 0x3_0000;
    private const ulong Buffer = 0x4_0000;
    private const uint BufferLength = 64;
    private const ulong IdtAddress = 0x3000;
    private const ulong HandlerAddress = TinyGuestLayout.CodeAddress + 0x800;
    private const ulong IoapicBase = 0xfec0_0000;
    private const ulong LapicBase = 0xfee0_0000;

    [Fact]
    public void GuestNotification_ReachesTheDeviceThroughIoeventfd_WithoutAnMmioExit()
    {
        using var guest = TinyGuest.Create(new TinyGuestOptions { Irqchip = true });
        using var rig = new Rig(guest);
        VirtioGuestQueue queue = rig.StartDriverAndOfferOneBuffer();
        guest.LoadLongMode(a =>
        {
            PublishAndNotify(a, queue);
            // Poll used idx, then report the used length.
            var poll = a.CreateLabel();
            a.mov(rsi, queue.UsedRing.Value);
            a.Label(ref poll);
            a.pause();
            a.movzx(eax, __word_ptr[rsi + 2]);
            a.test(eax, eax);
            a.jz(poll);
            a.mov(eax, __dword_ptr[rsi + 8]);
            a.mov(dx, TinyGuestLayout.DonePort);
            a.@out(dx, eax);
            TinyGuestPrograms.EmitSpin(a);
        });

        List<uint> done = rig.RunUntilDoneWrites(guest, count: 1);

        Assert.Equal([BufferLength], done);
        Assert.Equal(0, rig.NotifyExits);
        rig.AssertBufferServed(queue);
    }

    /// <summary>
    /// The completion interrupt arrives at the guest's local APIC with the vector the guest programmed into the IOAPIC:
    /// the guest keeps interrupts disabled and polls its LAPIC's interrupt request register. This works on every KVM,
    /// PVM included (it needs no event delivery into guest CPL0 code).
    /// </summary>
    [Fact]
    public void CompletionInterrupt_ReachesTheGuestsLocalApic_ThroughIrqfdAndTheIoapic()
    {
        using var guest = TinyGuest.Create(new TinyGuestOptions { Irqchip = true });
        using var rig = new Rig(guest);
        VirtioGuestQueue queue = rig.StartDriverAndOfferOneBuffer();
        guest.LoadLongMode(a =>
        {
            a.cli();
            ProgramInterruptControllers(a);
            PublishAndNotify(a, queue);
            // IRR bit for vector 0x40: register 0x220 (vectors 64..95), bit 0.
            var poll = a.CreateLabel();
            a.mov(rdi, LapicBase);
            a.Label(ref poll);
            a.pause();
            a.mov(eax, __dword_ptr[rdi + 0x200 + 0x10 * (Vector / 32)]);
            a.test(eax, 1u << (Vector % 32));
            a.jz(poll);
            ReportInterruptStatusAndUsedIndex(a, queue);
            TinyGuestPrograms.EmitSpin(a);
        });

        List<uint> done = rig.RunUntilDoneWrites(guest, count: 2);

        // InterruptStatus had the used-buffer bit when the vector was pending, and the used ring was already updated.
        Assert.Equal([VirtioMmioRegister.InterruptUsedBuffer, 1u], done);
        Assert.Equal(0u, rig.Transport.InterruptStatus);
        Assert.Equal(0, rig.NotifyExits);
        Assert.Equal(1, rig.Transport.Counters[VirtioMmioCounter.InterruptsRaised]);
        rig.AssertBufferServed(queue);
    }

    /// <summary>
    /// The full path into guest code: the interrupt is delivered through the guest's IDT to its handler. Needs hardware
    /// KVM: PVM cannot deliver an external interrupt into the CPL0 code of a guest that is not PVM-aware (measured
    /// here: the vCPU triple-faults on delivery in long mode).
    /// </summary>
    [Fact]
    public void CompletionInterrupt_IsDeliveredToTheGuestsHandlerThroughItsIdt()
    {
        if (KvmHost.DetectKind() == KvmKind.Pvm)
        {
            Assert.Skip("needs hardware KVM: PVM cannot deliver an external interrupt to a non-PVM-aware guest at CPL0 "
                + "(the LAPIC test above proves the interrupt reaches the guest's APIC)");
        }
        using var guest = TinyGuest.Create(new TinyGuestOptions { Irqchip = true });
        using var rig = new Rig(guest);
        VirtioGuestQueue queue = rig.StartDriverAndOfferOneBuffer();
        guest.LoadLongMode(a =>
        {
            ProgramInterruptControllers(a);
            a.sti();
            PublishAndNotify(a, queue);
            TinyGuestPrograms.EmitSpin(a);
        });
        guest.Memory.Write(new GuestAddress(HandlerAddress), TinyGuestAssembler.Assemble(64, HandlerAddress, a =>
        {
            ReportInterruptStatusAndUsedIndex(a, queue);
            a.mov(rdi, LapicBase);
            a.mov(__dword_ptr[rdi + 0xb0], 0); // EOI
            TinyGuestPrograms.EmitSpin(a);
        }));
        WriteInterruptGate(guest, Vector, HandlerAddress);

        List<uint> done = rig.RunUntilDoneWrites(guest, count: 2);

        Assert.Equal([VirtioMmioRegister.InterruptUsedBuffer, 1u], done);
        Assert.Equal(0, rig.NotifyExits);
        rig.AssertBufferServed(queue);
    }

    /// <summary>
    /// Software-enables the local APIC (SVR bit 8, spurious vector 0xff), accepts every priority, and routes IOAPIC pin 5
    /// to vector 0x40: fixed delivery, physical destination APIC 0, edge, active high, unmasked.
    /// </summary>
    private static void ProgramInterruptControllers(Assembler a)
    {
        a.mov(rdi, LapicBase);
        a.mov(__dword_ptr[rdi + 0xf0], 0x1ff);
        a.mov(__dword_ptr[rdi + 0x80], 0);
        a.mov(rdi, IoapicBase);
        a.mov(__dword_ptr[rdi], 0x10 + 2 * Irq);
        a.mov(__dword_ptr[rdi + 0x10], Vector);
        a.mov(__dword_ptr[rdi], 0x10 + 2 * Irq + 1);
        a.mov(__dword_ptr[rdi + 0x10], 0);
    }

    /// <summary>What a driver's interrupt handler does first: read InterruptStatus (reported), acknowledge it; then report used idx.</summary>
    private static void ReportInterruptStatusAndUsedIndex(Assembler a, VirtioGuestQueue queue)
    {
        a.mov(rbx, Window);
        a.mov(eax, __dword_ptr[rbx + (int)VirtioMmioRegister.InterruptStatus]);
        a.mov(dx, TinyGuestLayout.DonePort);
        a.@out(dx, eax);
        a.mov(__dword_ptr[rbx + (int)VirtioMmioRegister.InterruptAck], eax);
        a.mov(rsi, queue.UsedRing.Value);
        a.movzx(eax, __word_ptr[rsi + 2]);
        a.@out(dx, eax);
    }

    /// <summary>A 64-bit interrupt gate (type 0xE, present, DPL 0) for <paramref name="vector"/>, and the IDT register.</summary>
    private static void WriteInterruptGate(TinyGuest guest, byte vector, ulong handler)
    {
        byte[] gate = new byte[16];
        BitConverter.TryWriteBytes(gate.AsSpan(0), (ushort)handler);
        BitConverter.TryWriteBytes(gate.AsSpan(2), TinyGuestLayout.Code64Selector);
        gate[5] = 0x8e;
        BitConverter.TryWriteBytes(gate.AsSpan(6), (ushort)(handler >> 16));
        BitConverter.TryWriteBytes(gate.AsSpan(8), (uint)(handler >> 32));
        guest.Memory.Write(new GuestAddress(IdtAddress + vector * 16UL), gate);
        KvmSregs sregs = guest.Vcpu.GetSregs();
        sregs.Idt = new KvmDtable { Base = IdtAddress, Limit = 256 * 16 - 1 };
        guest.Vcpu.SetSregs(sregs);
    }

    /// <summary>Guest side: make descriptor 0 available (avail idx 1), then QueueNotify = 0 (4-byte write).</summary>
    private static void PublishAndNotify(Assembler a, VirtioGuestQueue queue)
    {
        a.mov(rdi, queue.AvailRing.Value);
        a.mov(__word_ptr[rdi + 2], 1);
        a.mov(rbx, Window);
        a.mov(__dword_ptr[rbx + (int)VirtioMmioRegister.QueueNotify], 0);
    }

    /// <summary>virtio-rng on the tiny guest: transport on its MMIO bus, ioeventfd + event loop, irqfd on IRQ 5.</summary>
    private sealed class Rig : IDisposable
    {
        private readonly TinyGuest _guest;
        private readonly VirtioEventLoop _loop;
        private readonly IrqfdLine _line;
        private int _notifyExits;

        public Rig(TinyGuest guest)
        {
            _guest = guest;
            ILogger logger = TestLogSink.CreateLogger(out _);
            _loop = new VirtioEventLoop(logger);
            _line = new IrqfdLine(guest.Vm, Irq);
            Rng = new VirtioRng(logger);
            Transport = new VirtioMmioTransport(Rng, guest.Memory, _line, logger);
            Transport.AttachToEventLoop(_loop, guest.Vm, new GuestAddress(Window));
            guest.MmioBus.Register(Window, VirtioMmioTransport.WindowSize, Transport);
        }

        public VirtioRng Rng { get; }
        public VirtioMmioTransport Transport { get; }
        public int NotifyExits => Volatile.Read(ref _notifyExits);

        /// <summary>The host plays the driver's set-up; the guest only publishes and notifies.</summary>
        public VirtioGuestQueue StartDriverAndOfferOneBuffer()
        {
            var driver = new VirtioGuestDriver(Transport, _guest.Memory);
            VirtioGuestQueue queue = driver.Start(16, new GuestAddress(Rings));
            queue.WriteDescriptor(0, Buffer, BufferLength, VirtqDescriptorFlags.Write, 0);
            queue.PutInRing(0);
            return queue;
        }

        /// <summary>Runs the guest, dispatching exits to the buses, until it has written DonePort <paramref name="count"/> times.</summary>
        public List<uint> RunUntilDoneWrites(TinyGuest guest, int count)
        {
            var done = new List<uint>();
            guest.Run(exit =>
            {
                if (exit.Reason == VcpuExitReason.Mmio && exit.MmioAddress == NotifyAddress)
                {
                    Interlocked.Increment(ref _notifyExits);
                }
                bool dispatched = guest.Dispatch(exit);
                if (exit.Reason == VcpuExitReason.Io && exit.IsWrite && exit.Port == TinyGuestLayout.DonePort)
                {
                    done.Add((uint)TinyGuestExit.From(exit).Value);
                    return done.Count < count;
                }
                Assert.True(dispatched, $"unexpected exit {TinyGuestExit.From(exit)} {Kata.Hypervisor.Arch.X86_64.RegisterDump.Format(guest.Vcpu)}");
                return true;
            });
            return done;
        }

        public void AssertBufferServed(VirtioGuestQueue queue)
        {
            Assert.Equal([(0u, BufferLength)], queue.TakeUsed());
            byte[] bytes = new byte[BufferLength];
            _guest.Memory.Read(new GuestAddress(Buffer), bytes);
            Assert.Contains(bytes, b => b != 0);
            Assert.Equal(BufferLength, Rng.BytesProvided);
            Assert.Equal(1, Transport.Counters[VirtioMmioCounter.QueueNotifications]);
        }

        public void Dispose()
        {
            // The loop stops before the transport and the guest's memory go away.
            _loop.Dispose();
            Transport.Dispose();
            _line.Dispose();
        }
    }
}
