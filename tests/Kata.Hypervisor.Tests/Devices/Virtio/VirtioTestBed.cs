using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using Serilog;

namespace Kata.Hypervisor.Tests.Devices.Virtio;

/// <summary>
/// A transport over real guest memory (1 MiB from 0 unless told otherwise), a counting interrupt line, a logger that
/// keeps its messages, and a <see cref="VirtioGuestDriver"/> on the transport's registers. No event loop: a
/// QueueNotify write processes the queue on the writing thread.
/// </summary>
internal sealed class VirtioTestBed : IDisposable
{
    public static readonly GuestAddress QueueArea = new(0x1_0000);
    public static readonly GuestAddress DataArea = new(0x4_0000);

    public VirtioTestBed(IVirtioDevice device, ulong memoryBytes = 1UL << 20)
    {
        Memory = new GuestMemory([(GuestAddress.Zero, memoryBytes)]);
        Logger = TestLogSink.CreateLogger(out TestLogSink sink);
        Log = sink;
        Transport = new VirtioMmioTransport(device, Memory, Interrupt, Logger);
        Driver = new VirtioGuestDriver(Transport, Memory);
    }

    public GuestMemory Memory { get; }
    public CountingInterruptLine Interrupt { get; } = new();
    public ILogger Logger { get; }
    public TestLogSink Log { get; }
    public VirtioMmioTransport Transport { get; }
    public VirtioGuestDriver Driver { get; }

    public long Count(VirtioMmioCounter counter) => Transport.Counters[counter];

    public void Dispose()
    {
        Transport.Dispose();
        Memory.Dispose();
    }
}
