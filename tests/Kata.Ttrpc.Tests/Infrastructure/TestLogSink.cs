using System.Collections.Concurrent;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Kata.Ttrpc.Tests.Infrastructure;

/// <summary>A Serilog sink for tests: keeps every rendered message and copies it to the test's output.</summary>
public sealed class TestLogSink : ILogEventSink
{
    private readonly ITestOutputHelper? _output = TestContext.Current.TestOutputHelper;

    public ConcurrentQueue<string> Messages { get; } = new();

    /// <summary>A logger writing to a new sink, from Debug up.</summary>
    public static ILogger CreateLogger(out TestLogSink sink)
    {
        sink = new TestLogSink();
        return new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(sink).CreateLogger();
    }

    public void Emit(LogEvent logEvent)
    {
        string line = $"{logEvent.Level}: {logEvent.RenderMessage()}{(logEvent.Exception is null ? "" : " " + logEvent.Exception)}";
        Messages.Enqueue(line);
        try
        {
            _output?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has finished (a connection logged late); the message is still in Messages.
        }
    }
}
