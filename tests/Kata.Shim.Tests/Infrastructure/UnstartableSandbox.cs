using Kata.Sandbox;

namespace Kata.Shim.Tests.Infrastructure;

/// <summary>
/// A sandbox factory whose sandboxes refuse to start: it records the options the shim would start the real sandbox
/// with (for a `vm` pod: the disks), which is as far as a VM can get on a host that cannot boot the guest.
/// </summary>
public sealed class UnstartableSandbox : ISandbox
{
    private UnstartableSandbox(SandboxOptions options) => Options = options;

    public static List<SandboxOptions> Started { get; } = [];

    public static ISandbox Create(SandboxOptions options, Serilog.ILogger log)
    {
        lock (Started)
        {
            Started.Add(options);
        }
        return new UnstartableSandbox(options);
    }

    public SandboxOptions Options { get; }
    public string Id => Options.Id;
    public SandboxKind Kind => Options.Kind;
    public AgentConnection Connection => throw new InvalidOperationException("never started");
    public Task<string> Ended { get; } = new TaskCompletionSource<string>().Task;

    public Task StartAsync(CancellationToken cancel) =>
        throw new SandboxStartException($"{Id}: this test's sandbox does not start (it had {Options.Disks.Count} disk(s))");

    public Task StopAsync(TimeSpan grace) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
