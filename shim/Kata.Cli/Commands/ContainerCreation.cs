using System.Globalization;
using System.Text;
using Kata.Cli.Hosting;
using Kata.Cli.Monitor;
using Kata.Cli.State;
using Kata.Oci.Spec;
using Kata.Oci.State;

namespace Kata.Cli.Commands;

/// <summary>
/// OCI `create` (shared by `run`): every check that can fail on bad input happens before anything is written, and a
/// failure after the state directory exists removes it again, so a refused create leaves nothing behind.
/// </summary>
public static class ContainerCreation
{
    public sealed record Created(ContainerPaths Paths, ContainerLock Lock, MonitorLauncher Monitor, int Pid);

    public static Created Create(CliContext context, string id, string? bundle, string? pidFile, string? consoleSocket, bool detached)
    {
        ContainerStore.ValidateId(id);
        string bundleDirectory = Path.GetFullPath(string.IsNullOrEmpty(bundle) ? Directory.GetCurrentDirectory() : bundle);
        RuntimeSpec spec = SpecLoader.Load(bundleDirectory);
        bool terminal = spec.Process?.Terminal == true;
        if (terminal && consoleSocket is null && detached)
        {
            throw new CliException("process.terminal is true: a detached container needs --console-socket to hand its terminal to (or set terminal to false)");
        }
        if (!terminal && consoleSocket is not null)
        {
            throw new CliException("--console-socket was given but process.terminal is false in config.json: set it to true, or drop --console-socket");
        }
        if (context.SandboxFlag == "auto")
        {
            context.Error.WriteLine($"kata-style: sandbox {context.Sandbox.Kind.ToString().ToLowerInvariant()}: {context.Sandbox.Reason}");
        }
        RuntimeSpec prepared = spec.Root is { } root ? spec with { Root = root with { Path = root.ResolvePath(bundleDirectory) } } : spec;
        ContainerPaths paths = context.Store.CreateDirectory(id);
        ContainerLock? held = null;
        MonitorLauncher? monitor = null;
        try
        {
            held = ContainerLock.Acquire(paths) ?? throw new CliException($"container {id} was deleted while being created");
            File.WriteAllText(paths.Spec, SpecSerializer.Serialize(prepared));
            ContainerStore.WriteRecord(paths, new ContainerRecord
            {
                Id = id,
                Bundle = bundleDirectory,
                Sandbox = context.Sandbox.Kind,
                Created = DateTimeOffset.UtcNow,
                CreatorPid = Environment.ProcessId,
                CreatorStartTime = ProcessIdentity.StartTime(Environment.ProcessId) ?? 0,
                ConsoleSocket = consoleSocket is null ? null : Path.GetFullPath(consoleSocket),
                Terminal = terminal,
                Annotations = spec.Annotations,
            });
            monitor = MonitorLauncher.Start(context, paths, [id]);
            int pid = monitor.WaitCreated();
            if (!string.IsNullOrEmpty(pidFile))
            {
                WritePidFile(pidFile, pid);
            }
            context.Log.Information("container {Id} created (pid {Pid}, bundle {Bundle})", id, pid, bundleDirectory);
            return new Created(paths, held, monitor, pid);
        }
        catch
        {
            monitor?.Dispose();
            ContainerCleanup.Destroy(context.Store, paths, context.Log);
            held?.Dispose();
            throw;
        }
    }

    /// <summary>The pid as decimal text without a newline, as runc writes it, replaced atomically.</summary>
    public static void WritePidFile(string pidFile, int pid) =>
        ContainerStore.WriteAtomically(Path.GetFullPath(pidFile), Encoding.ASCII.GetBytes(pid.ToString(CultureInfo.InvariantCulture)));

    /// <summary>OCI `start`, under the lock the caller holds.</summary>
    public static async Task StartAsync(ContainerSession session)
    {
        session.Ensure(ContainerOperation.Start);
        await session.Agent.Agent.StartContainerAsync(new Agent.Protocol.StartContainerRequest { ContainerId = session.Paths.Id });
        session.Update(session.Record with { Started = true });
    }
}
