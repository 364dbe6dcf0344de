using Serilog.Events;

namespace Kata.Agent.Hosting;

/// <summary>The agent's settings, from its command line.</summary>
public sealed record AgentOptions
{
    public required ListenAddress Listen { get; init; }
    public LogEventLevel LogLevel { get; init; } = LogEventLevel.Information;
    /// <summary>Where the engine keeps container state (per-container directories).</summary>
    public string StateDirectory { get; init; } = "/run/kata-style-agent";
    /// <summary>True when the agent is the guest's init (PID 1): it mounts the pseudo filesystems and powers off at the end.</summary>
    public bool IsGuestInit { get; init; }
}
