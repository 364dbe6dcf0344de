using System.CommandLine;
using Kata.Cli.Host;
using Kata.Cli.State;
using Kata.Sandbox;
using Kata.Sandbox.Configuration;
using Serilog;

namespace Kata.Cli.Hosting;

/// <summary>What every command works with: the global options resolved, the logger, the state store, the configuration.</summary>
public sealed class CliContext : IDisposable
{
    private KataConfiguration? _configuration;
    private SandboxChoice? _sandbox;

    public CliContext(ParseResult parse, GlobalOptions options, TextWriter stdout, TextWriter stderr)
    {
        Out = stdout;
        Error = stderr;
        Root = parse.GetValue(options.Root) is { Length: > 0 } root ? root : GlobalOptions.DefaultRoot;
        LogPath = parse.GetValue(options.Log);
        LogFormat = parse.GetValue(options.LogFormat) ?? "text";
        Debug = parse.GetValue(options.Debug);
        ConfigPath = parse.GetValue(options.Config);
        SandboxFlag = parse.GetValue(options.Sandbox);
        Log = CliLogging.Create(LogPath, LogFormat, Debug);
        Store = new ContainerStore(Root);
    }

    public TextWriter Out { get; }
    public TextWriter Error { get; }
    public string Root { get; }
    public string? LogPath { get; }
    public string LogFormat { get; }
    public bool Debug { get; }
    public string? ConfigPath { get; }
    public string? SandboxFlag { get; }
    public ILogger Log { get; }
    public ContainerStore Store { get; }

    public KataConfiguration Configuration
    {
        get
        {
            try
            {
                return _configuration ??= ConfigurationLoader.Resolve(ConfigPath);
            }
            catch (ConfigurationException e)
            {
                throw new CliException(e.Message, e);
            }
        }
    }

    public SandboxChoice Sandbox => _sandbox ??= SandboxSelection.Choose(SandboxFlag, Configuration, HostFacts.Probe());

    /// <summary>The agent command: configured, installed next to us or on PATH, or a framework-dependent build next to ours.</summary>
    public CommandPrefix? AgentCommand =>
        Configuration.Agent ?? ExecutableLocator.Find(ExecutableLocator.AgentName) ?? SelfExecutable.FrameworkDependentSibling(ExecutableLocator.AgentName);

    public CommandPrefix? VmmCommand =>
        Configuration.Vmm ?? ExecutableLocator.Find(ExecutableLocator.VmmName) ?? SelfExecutable.FrameworkDependentSibling(ExecutableLocator.VmmName);

    /// <summary>The options for the sandbox of container <paramref name="paths"/> (one sandbox per container, as kata-runtime's CLI).</summary>
    public SandboxOptions SandboxOptions(ContainerPaths paths, SandboxKind kind) =>
        Configuration.ToSandboxOptions(paths.Id) with
        {
            StateDirectory = paths.Sandbox,
            Kind = kind,
            Agent = AgentCommand,
            Vmm = VmmCommand,
            Debug = Debug || Configuration.Debug,
        };

    /// <summary>The global flags to hand to a re-exec of ourselves (the monitor), with its own log file unless --log was given.</summary>
    public IEnumerable<string> GlobalArguments(string defaultLog)
    {
        yield return "--root";
        yield return Root;
        yield return "--log";
        yield return LogPath ?? defaultLog;
        yield return "--log-format";
        yield return LogFormat;
        if (Debug)
        {
            yield return "--debug";
        }
        if (!string.IsNullOrEmpty(ConfigPath))
        {
            yield return "--config";
            yield return Path.GetFullPath(ConfigPath);
        }
    }

    public void Dispose() => (Log as IDisposable)?.Dispose();
}
