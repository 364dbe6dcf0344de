using Serilog.Events;

namespace Kata.Agent.Hosting;

/// <summary>
/// <c>kata-style-agent [--listen unix:PATH|vsock:PORT] [--state-dir DIR] [--log-level LEVEL]</c>.
/// As PID 1 (the guest's /init, started by the kernel with no arguments) it listens on vsock:1024.
/// </summary>
public static class AgentCommandLine
{
    public const string Usage =
        "usage: kata-style-agent [--listen unix:PATH|vsock:PORT] [--state-dir DIR] [--log-level verbose|debug|information|warning|error]";

    /// <summary>Parses <paramref name="args"/>; throws <see cref="FormatException"/> with a message for the user.</summary>
    public static AgentOptions Parse(IReadOnlyList<string> args, bool isPid1)
    {
        ListenAddress? listen = isPid1 ? ListenAddress.Vsock(ListenAddress.DefaultVsockPort) : null;
        var options = new AgentOptions { Listen = ListenAddress.Vsock(ListenAddress.DefaultVsockPort), IsGuestInit = isPid1 };
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{flag} needs a value\n{Usage}");
            switch (flag)
            {
                case "--listen":
                    listen = ListenAddress.Parse(Value());
                    break;
                case "--state-dir":
                    string dir = Value();
                    options = options with { StateDirectory = Path.IsPathRooted(dir) ? dir : throw new FormatException($"--state-dir {dir}: must be absolute") };
                    break;
                case "--log-level":
                    string level = Value();
                    options = options with
                    {
                        LogLevel = Enum.TryParse(level, ignoreCase: true, out LogEventLevel parsed) && Enum.IsDefined(parsed)
                            ? parsed
                            : throw new FormatException($"--log-level {level}: expected verbose, debug, information, warning or error"),
                    };
                    break;
                default:
                    // The kernel passes unknown command-line words (key=value) to init as arguments: ignore those as PID 1.
                    if (isPid1 && !flag.StartsWith("--", StringComparison.Ordinal))
                    {
                        break;
                    }
                    throw new FormatException($"unknown argument {flag}\n{Usage}");
            }
        }
        return options with { Listen = listen ?? throw new FormatException($"--listen is required when not running as the guest's init\n{Usage}") };
    }
}
