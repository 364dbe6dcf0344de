namespace Kata.Sandbox;

/// <summary>A started pod sandbox: an agent to talk to, and a way to end it.</summary>
public interface ISandbox : IAsyncDisposable
{
    string Id { get; }
    SandboxKind Kind { get; }
    /// <summary>The agent (valid after <see cref="StartAsync"/>).</summary>
    AgentConnection Connection { get; }
    /// <summary>Completes, with the reason, when the sandbox ends on its own (VMM or agent died) or was stopped.</summary>
    Task<string> Ended { get; }

    /// <summary>Starts the sandbox and returns once its agent answers; throws <see cref="SandboxStartException"/>.</summary>
    Task StartAsync(CancellationToken cancel);

    /// <summary>Asks the agent to tear everything down, then ends the VMM or agent process (forcibly after <paramref name="grace"/>).</summary>
    Task StopAsync(TimeSpan grace);
}
