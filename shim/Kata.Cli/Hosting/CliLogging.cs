using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace Kata.Cli.Hosting;

/// <summary>
/// The CLI's Serilog logger: with --log, everything at the chosen level to that file (text or JSON lines); without,
/// only warnings and errors to stderr, so stdout stays machine-readable (state, list --format json, …).
/// </summary>
public static class CliLogging
{
    public static Logger Create(string? logPath, string format, bool debug)
    {
        LogEventLevel level = debug ? LogEventLevel.Debug : LogEventLevel.Information;
        var configuration = new LoggerConfiguration().MinimumLevel.Is(level).Enrich.WithProperty("pid", Environment.ProcessId);
        const string template = "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} [{Level:u3}] kata-style[{pid}] {Message:lj}{NewLine}{Exception}";
        if (!string.IsNullOrEmpty(logPath))
        {
            configuration = format == "json"
                ? configuration.WriteTo.File(new JsonFormatter(), logPath, shared: true)
                : configuration.WriteTo.File(logPath, outputTemplate: template, shared: true);
        }
        else
        {
            configuration = format == "json"
                ? configuration.WriteTo.Console(new JsonFormatter(), restrictedToMinimumLevel: LogEventLevel.Warning, standardErrorFromLevel: LogEventLevel.Verbose)
                : configuration.WriteTo.Console(outputTemplate: template, restrictedToMinimumLevel: LogEventLevel.Warning,
                    standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }
        return configuration.CreateLogger();
    }
}
