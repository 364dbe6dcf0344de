using System.Diagnostics;
using Kata.Hypervisor.Devices.Legacy;
using Serilog.Events;

namespace Kata.Hypervisor.Tests.Devices.Legacy;

public sealed class BootTimerTests
{
    [Fact]
    public void MagicValue_RecordsAndLogsTheBootTime()
    {
        var log = new CollectingLogSink();
        long start = 1_000;
        long now = start + Stopwatch.Frequency * 3 / 2; // 1.5 s later
        var timer = new BootTimer(start, log.CreateLogger(), () => now);
        Assert.Null(timer.BootTimeMs);

        timer.Write(0, [BootTimer.MagicValue]);

        Assert.NotNull(timer.BootTimeMs);
        Assert.Equal(1500.0, timer.BootTimeMs!.Value, precision: 3);
        LogEvent logged = Assert.Single(log.Events, e => e.Level == LogEventLevel.Information);
        Assert.Equal("Guest-boot-time = 1500000 us (1500 ms) since VMM start", logged.RenderMessage());
        Assert.Equal(1_500_000L, ((ScalarValue)logged.Properties["BootTimeUs"]).Value);
    }

    [Fact]
    public void OtherWrites_AreIgnored_AndReadsReturnZero()
    {
        var log = new CollectingLogSink();
        var timer = new BootTimer(Stopwatch.GetTimestamp(), log.CreateLogger());

        timer.Write(0, [BootTimer.MagicValue - 1]);
        timer.Write(1, [BootTimer.MagicValue]);
        timer.Write(0, [BootTimer.MagicValue, 0]);
        timer.Write(0, []);
        timer.Write(ulong.MaxValue, [BootTimer.MagicValue]);
        Assert.Null(timer.BootTimeMs);
        Assert.Empty(log.Events);

        Span<byte> data = [0xaa, 0xaa, 0xaa, 0xaa];
        timer.Read(0, data);
        Assert.Equal([0, 0, 0, 0], data.ToArray());
        Span<byte> one = [0xaa];
        timer.Read(0xfff, one);
        Assert.Equal(0, one[0]);
    }

    [Fact]
    public void SecondSignal_KeepsTheFirstBootTime()
    {
        long now = Stopwatch.Frequency; // 1 s after a start of 0
        var timer = new BootTimer(0, Serilog.Core.Logger.None, () => now);
        timer.Write(0, [BootTimer.MagicValue]);
        now *= 5;
        timer.Write(0, [BootTimer.MagicValue]);
        Assert.Equal(1000.0, timer.BootTimeMs!.Value, precision: 3);
    }

    [Fact]
    public void RealStopwatch_GivesAPlausibleTime()
    {
        long start = Stopwatch.GetTimestamp() - Stopwatch.Frequency / 10; // started 100 ms ago
        var timer = new BootTimer(start, Serilog.Core.Logger.None);
        timer.Write(0, [BootTimer.MagicValue]);
        Assert.InRange(timer.BootTimeMs!.Value, 100.0, 60_000.0);
    }
}
