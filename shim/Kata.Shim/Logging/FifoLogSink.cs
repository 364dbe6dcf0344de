using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Kata.Shim.Logging;

/// <summary>Writes formatted log lines to a stream (the bundle's `log` FIFO containerd reads), one flush per event.</summary>
public sealed class FifoLogSink : ILogEventSink, IDisposable
{
    private readonly StreamWriter _writer;
    private readonly ITextFormatter _formatter;
    private readonly Lock _gate = new();
    private bool _broken;

    public FifoLogSink(Stream stream, ITextFormatter formatter)
    {
        _writer = new StreamWriter(stream) { AutoFlush = true };
        _formatter = formatter;
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            if (_broken)
            {
                return;
            }
            try
            {
                _formatter.Format(logEvent, _writer);
            }
            catch (IOException)
            {
                // containerd closed its end (it restarts, or the shim outlives it): logging must never stop the shim.
                _broken = true;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            try
            {
                _writer.Dispose();
            }
            catch (IOException)
            {
            }
        }
    }
}
