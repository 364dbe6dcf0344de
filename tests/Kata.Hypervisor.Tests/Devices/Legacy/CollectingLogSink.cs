using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Kata.Hypervisor.Tests.Devices.Legacy;

/// <summary>A Serilog sink that keeps the events, so tests can assert on what a device logged.</summary>
internal sealed class CollectingLogSink : ILogEventSink
{
    private readonly object _lock = new();
    private readonly List<LogEvent> _events = [];

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            _events.Add(logEvent);
        }
    }

    public ILogger CreateLogger() => new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();
}
