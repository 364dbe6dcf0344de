using System.CommandLine;

namespace Kata.Cli.Hosting;

/// <summary>The options every command takes (before or after the command name, as runc's global flags).</summary>
public sealed class GlobalOptions
{
    public const string DefaultRoot = "/run/kata-style";

    public Option<string> Root { get; } = new("--root")
    {
        Description = $"Directory for the containers' state [default: {DefaultRoot}]",
        HelpName = "DIR",
        Recursive = true,
    };
    public Option<string> Log { get; } = new("--log") { Description = "Append the log to this file (default: warnings and errors to stderr)", HelpName = "FILE", Recursive = true };
    public Option<string> LogFormat { get; } = new("--log-format") { Description = "Log format [default: text]", HelpName = "text|json", Recursive = true };
    public Option<bool> Debug { get; } = new("--debug") { Description = "Log at debug level (and run the agent at debug level)", Recursive = true };
    public Option<string> Config { get; } = new("--config")
    {
        Description = "configuration.toml to use [default: $KATA_STYLE_CONFIG, else /etc/kata-style/configuration.toml]",
        HelpName = "FILE",
        Recursive = true,
    };
    public Option<string> Sandbox { get; } = new("--sandbox")
    {
        Description = "Where containers run: vm (a microVM each), process (the agent as a host process: weaker isolation), auto (vm when usable, says why not) [default: from the configuration, else vm]",
        HelpName = "vm|process|auto",
        Recursive = true,
    };

    public IEnumerable<Option> All => [Root, Log, LogFormat, Debug, Config, Sandbox];

    public GlobalOptions()
    {
        LogFormat.AcceptOnlyFromAmong("text", "json");
        Sandbox.AcceptOnlyFromAmong("vm", "process", "auto");
    }
}
