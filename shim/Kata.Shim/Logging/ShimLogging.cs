using Kata.Shim.Interop;
using Kata.Shim.Manager;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Kata.Shim.Logging;

/// <summary>The daemon's logger: to the `log` FIFO containerd opened in the bundle (nothing when no one reads it).</summary>
public static class ShimLogging
{
    private const string Template =
        "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} {Level:u3} kata-style-shim ns={Namespace} id={Id}: {Message:lj}{NewLine}{Exception}";

    public static Logger Create(ShimInvocation invocation, string bundle)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(invocation.Debug ? LogEventLevel.Debug : LogEventLevel.Information)
            .Enrich.WithProperty("Namespace", invocation.Namespace)
            .Enrich.WithProperty("Id", invocation.Id);
        if (Fifo.TryOpenForWritingNow(Path.Combine(bundle, BundleFiles.Log)) is { } handle)
        {
            var stream = new FileStream(handle, FileAccess.Write, 1);
            configuration = configuration.WriteTo.Sink(new FifoLogSink(stream, new MessageTemplateTextFormatter(Template)));
        }
        return configuration.CreateLogger();
    }
}
