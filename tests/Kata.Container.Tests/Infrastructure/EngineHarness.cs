using Kata.Container.Lifecycle;
using Kata.Oci.Spec;
using Serilog;

namespace Kata.Container.Tests.Infrastructure;

/// <summary>An engine with its own state directory, torn down (containers force-deleted) at the end of a test.</summary>
internal sealed class EngineHarness : IDisposable
{
    public EngineHarness(bool noPivotRoot = false)
    {
        StateRoot = Directory.CreateTempSubdirectory("kata-engine-state-").FullName;
        Engine = new ContainerEngine(
            new ContainerEngineOptions
            {
                Stage = TestStage.Command,
                StateRoot = StateRoot,
                NoPivotRoot = noPivotRoot,
                StageTimeout = TimeSpan.FromSeconds(60),
            },
            new LoggerConfiguration().CreateLogger());
    }

    public ContainerEngine Engine { get; }

    public string StateRoot { get; }

    /// <summary>Creates, starts and waits for a container; returns its exit status and output, then deletes it.</summary>
    public async Task<ContainerRun> RunAsync(string id, IReadOnlyList<string> args, Func<RuntimeSpec, RuntimeSpec>? customize = null,
        ContainerCreateOptions? options = null, Action<string>? prepare = null)
    {
        using var bundle = new BusyboxBundle(args, customize);
        prepare?.Invoke(bundle.Rootfs);
        using var output = new OutputCapture();
        Engine.Create(id, bundle.Directory, (options ?? new ContainerCreateOptions()) with { Stdio = output.Stdio });
        output.ReleaseWriters();
        Engine.Start(id);
        var status = await Engine.WaitAsync(id, TestContext.Current.CancellationToken);
        var stdout = await output.Stdout;
        var stderr = await output.Stderr;
        Engine.Delete(id);
        return new ContainerRun(status, stdout, stderr);
    }

    public void Dispose()
    {
        Engine.Dispose();
        Directory.Delete(StateRoot, recursive: true);
    }
}
