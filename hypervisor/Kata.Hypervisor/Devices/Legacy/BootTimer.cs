using System.Diagnostics;
using Serilog;

namespace Kata.Hypervisor.Devices.Legacy;

/// <summary>
/// Firecracker's boot timer (src/vmm/src/devices/pseudo/boot_timer.rs): an MMIO page at
/// <see cref="Arch.X86_64.Layout.BootTimerAddress"/> where the guest's init writes the byte <see cref="MagicValue"/>
/// when it has booted; the VMM logs and records the time since it started. Reads return 0, other writes are ignored.
/// Thread-safe: the first signal is recorded once, whichever vCPU writes it.
/// </summary>
public sealed class BootTimer : IBusDevice
{
    /// <summary>Firecracker's MAGIC_VALUE_SIGNAL_GUEST_BOOT_COMPLETE.</summary>
    public const byte MagicValue = 123;

    /// <summary>Length of the MMIO window the VMM registers.</summary>
    public const ulong Length = 0x1000;

    private readonly object _lock = new();
    private readonly long _startTimestamp;
    private readonly ILogger _logger;
    private readonly Func<long> _timestamp;
    private double? _bootTimeMs;

    /// <param name="vmmStartTimestamp">When the VMM started, from <see cref="Stopwatch.GetTimestamp"/>.</param>
    /// <param name="logger">Receives the "Guest-boot-time" line.</param>
    public BootTimer(long vmmStartTimestamp, ILogger logger)
        : this(vmmStartTimestamp, logger, Stopwatch.GetTimestamp)
    {
    }

    /// <summary>For tests: <paramref name="timestamp"/> replaces <see cref="Stopwatch.GetTimestamp"/>.</summary>
    internal BootTimer(long vmmStartTimestamp, ILogger logger, Func<long> timestamp)
    {
        _startTimestamp = vmmStartTimestamp;
        _logger = logger;
        _timestamp = timestamp;
    }

    /// <summary>Milliseconds from VMM start to the guest's first boot-complete signal; null until it arrives.</summary>
    public double? BootTimeMs
    {
        get
        {
            lock (_lock)
            {
                return _bootTimeMs;
            }
        }
    }

    public void Read(ulong offset, Span<byte> data) => data.Clear();

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset != 0 || data.Length != 1 || data[0] != MagicValue)
        {
            return;
        }
        TimeSpan elapsed = Stopwatch.GetElapsedTime(_startTimestamp, _timestamp());
        long bootTimeUs = elapsed.Ticks / TimeSpan.TicksPerMicrosecond;
        double bootTimeMs = elapsed.TotalMilliseconds;
        lock (_lock)
        {
            if (_bootTimeMs is not null)
            {
                _logger.Debug("Guest signalled boot completion again; keeping the first boot time");
                return;
            }
            _bootTimeMs = bootTimeMs;
        }
        _logger.Information("Guest-boot-time = {BootTimeUs} us ({BootTimeMs} ms) since VMM start", bootTimeUs, bootTimeUs / 1000);
    }
}
