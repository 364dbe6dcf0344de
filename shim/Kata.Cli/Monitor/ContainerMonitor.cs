using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Kata.Agent.Protocol;
using Kata.Cli.Hosting;
using Kata.Cli.Interop;
using Kata.Cli.State;
using Kata.Cli.Terminal;
using Kata.Oci.Spec;
using Kata.Sandbox;
using Kata.Sandbox.GuestRootfs;
using Serilog;

namespace Kata.Cli.Monitor;

/// <summary>
/// The per-container monitor: `kata-style monitor ID`, started detached (own session, see DetachedProcess) by
/// `create`/`run`, living as long as the container.
///
/// Why a monitor: the OCI CLI contract says the container's stdio is the one `create` was given, yet `create`
/// exits while the container lives. With the `process` sandbox the stdio the agent gives a container are the agent's
/// own pipes, and with the `vm` sandbox they are inside the guest; either way something on the host must hold the
/// fds `create` received and carry the bytes (as containerd-shim does for runc, and kata's shim for its guest). That
/// is this process: it owns fds 0/1/2 inherited from `create`, owns the sandbox (the agent or VMM is its child, so the
/// sandbox's life is the container's), pumps stdio through the agent's Read/Write RPCs, waits for the container's
/// init and records its exit status in exit.json before tearing the sandbox down. Later commands (start, kill, exec,
/// …) attach to the agent's socket in the state directory; `delete` ends the monitor with SIGTERM.
/// A re-exec of ourselves rather than a thread of `create`: no fork() from managed code (ARCHITECTURE.md).
///
/// Terminals: with --console-socket the monitor makes a host pty, sends its master over the socket (SCM_RIGHTS, as
/// runc) and relays between the pty's slave (raw mode) and the agent's terminal for the container, as kata's shim
/// relays the guest console: the same design serves both sandbox kinds.
/// </summary>
public sealed class ContainerMonitor
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);
    private readonly CliContext _context;
    private readonly ContainerPaths _paths;
    private readonly MonitorReport _report;
    private readonly ILogger _log;

    public ContainerMonitor(CliContext context, ContainerPaths paths, MonitorReport report)
    {
        _context = context;
        _paths = paths;
        _report = report;
        _log = context.Log.ForContext("container", paths.Id);
    }

    /// <summary>Creates the container in a new sandbox, then carries its stdio until it exits; returns the monitor's exit status.</summary>
    public async Task<int> RunContainerAsync()
    {
        ContainerStore.WriteMonitor(_paths, new MonitorRecord(Environment.ProcessId, ProcessIdentity.StartTime(Environment.ProcessId) ?? 0));
        ContainerRecord record = _context.Store.ReadRecord(_paths);
        using var teardown = new CancellationTokenSource();
        using PosixSignalRegistration onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            teardown.Cancel();
        });
        ContainerRootfs rootfs;
        try
        {
            rootfs = await PrepareRootfsAsync(record);
        }
        catch (Exception e)
        {
            _log.Error(e, "preparing the rootfs of container {Id} failed", _paths.Id);
            _report.Failed(ErrorText.Describe(e));
            return 1;
        }
        await using ISandbox sandbox = SandboxFactory.Create(_context.SandboxOptions(_paths, record.Sandbox) with { Disks = rootfs.Disks }, _log);
        ConsoleStreams streams;
        try
        {
            await sandbox.StartAsync(teardown.Token);
            streams = await CreateContainerAsync(sandbox.Connection.Agent, record, rootfs);
        }
        catch (Exception e)
        {
            _log.Error(e, "creating container {Id} failed", _paths.Id);
            _report.Failed(ErrorText.Describe(e));
            await StopAsync(sandbox);
            return 1;
        }
        using (streams)
        {
            AgentService.AgentServiceClient agent = sandbox.Connection.Agent;
            var relay = new StdioRelay(agent, _paths.Id, "", _log);
            relay.StartInput(streams.Input, teardown.Token);
            // The console-socket holder resizes the master it got; the container's terminal follows the slave's size.
            using WindowSizeForwarder? resizes = streams.Pty is { } pty
                ? WindowSizeForwarder.ByPolling((int)pty.Slave.DangerousGetHandle(), (0, 0), agent, _paths.Id, "", _log)
                : null;
            Task output = relay.PullOutputAsync(streams.Output, streams.Error, CancellationToken.None);
            Task<WaitProcessResponse> wait = agent.WaitProcessAsync(new WaitProcessRequest { ContainerId = _paths.Id }).ResponseAsync;
            Task ended = await Task.WhenAny(wait, Task.Delay(Timeout.Infinite, teardown.Token).ContinueWith(_ => { }, TaskScheduler.Default));
            if (ended == wait && !teardown.IsCancellationRequested)
            {
                int status = ExitStatusOf(wait);
                await Task.WhenAny(output, Task.Delay(DrainTimeout));
                ContainerStore.WriteExit(_paths, new ExitRecord(status, DateTimeOffset.UtcNow));
                _log.Information("container {Id} exited with status {Status}", _paths.Id, status);
                _report.Exited(status);
            }
            else
            {
                _log.Information("container {Id}: torn down on request", _paths.Id);
            }
        }
        await StopAsync(sandbox);
        return 0;
    }

    private int ExitStatusOf(Task<WaitProcessResponse> wait)
    {
        if (wait.IsCompletedSuccessfully)
        {
            return wait.Result.Status;
        }
        // The agent vanished (its sandbox died): the container went with it; 255 as runc reports an unknown status.
        _log.Warning("waiting for container {Id} failed: {Error}", _paths.Id, wait.Exception?.GetBaseException().Message);
        return 255;
    }

    /// <summary>
    /// The container's rootfs as its sandbox needs it (<see cref="ContainerRootfs"/>, shared with the shim): the
    /// bundle's rootfs directory as it is for the process sandbox, a cached read-only image disk for the vm sandbox.
    /// </summary>
    private async Task<ContainerRootfs> PrepareRootfsAsync(ContainerRecord record)
    {
        byte[] spec = await File.ReadAllBytesAsync(_paths.Spec);
        // `create` stored config.json with root.path already made absolute against the bundle.
        string rootPath = SpecLoader.Parse(System.Text.Encoding.UTF8.GetString(spec), _paths.Spec).Root?.Path
            ?? throw new CliException($"container {_paths.Id}: config.json has no root.path");
        return ContainerRootfs.ForNewSandbox(record.Sandbox, _paths.Id, spec, rootPath,
            () => _context.Configuration.CreateRootfsImageBuilder(_log), _log);
    }

    private async Task<ConsoleStreams> CreateContainerAsync(AgentService.AgentServiceClient agent, ContainerRecord record, ContainerRootfs rootfs)
    {
        PseudoTerminal? pty = record.Terminal && record.ConsoleSocket is not null ? PseudoTerminal.Open() : null;
        try
        {
            (uint rows, uint columns) = PseudoTerminal.WindowSize(pty is null ? 0 : (int)pty.Slave.DangerousGetHandle()) ?? (24, 80);
            var request = new CreateContainerRequest
            {
                ContainerId = _paths.Id,
                Stdio = new StdioConfig { Terminal = record.Terminal, Stdin = true, ConsoleRows = rows, ConsoleCols = columns },
            };
            rootfs.ApplyTo(request);
            CreateContainerResponse created = await agent.CreateContainerAsync(request);
            int pid = (int)created.Pid;
            ConsoleStreams streams;
            if (pty is not null)
            {
                pty.MakeSlaveRaw();
                ConsoleSocket.SendMaster(record.ConsoleSocket!, pty.Master, pty.SlaveName);
                streams = ConsoleStreams.OverTerminal(pty);
            }
            else
            {
                streams = ConsoleStreams.OverStandardDescriptors(record.Terminal);
            }
            ulong startTime = record.Sandbox == SandboxKind.Process ? ProcessIdentity.StartTime(pid) ?? 0 : 0;
            ContainerStore.WriteCreated(_paths, new CreatedRecord(pid, startTime));
            _log.Information("container {Id} created, init pid {Pid}", _paths.Id, pid);
            _report.Created(pid);
            return streams;
        }
        catch
        {
            pty?.Dispose();
            throw;
        }
    }

    private async Task StopAsync(ISandbox sandbox)
    {
        try
        {
            await sandbox.StopAsync(StopGrace);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or IOException)
        {
            _log.Warning("stopping the sandbox of {Id}: {Error}", _paths.Id, e.Message);
        }
    }

    /// <summary>exec -d: starts a process in the running container and carries its stdio until it exits.</summary>
    public async Task<int> RunExecAsync(string execId, string processFile)
    {
        ContainerRecord record = _context.Store.ReadRecord(_paths);
        using AgentConnection connection = SandboxAttach.Connect(record.Sandbox, _paths.Sandbox);
        byte[] process = await File.ReadAllBytesAsync(processFile);
        File.Delete(processFile);
        ExecProcessResponse started;
        try
        {
            started = await connection.Agent.ExecProcessAsync(new ExecProcessRequest
            {
                ContainerId = _paths.Id,
                ExecId = execId,
                OciProcessJson = ByteString.CopyFrom(process),
                Stdio = new StdioConfig { Stdin = true },
            });
        }
        catch (RpcException e)
        {
            _report.Failed(ErrorText.Describe(e));
            return 1;
        }
        _report.Created((int)started.Pid);
        using ConsoleStreams streams = ConsoleStreams.OverStandardDescriptors(terminal: false);
        var relay = new StdioRelay(connection.Agent, _paths.Id, execId, _log);
        relay.StartInput(streams.Input, CancellationToken.None);
        Task output = relay.PullOutputAsync(streams.Output, streams.Error, CancellationToken.None);
        int status;
        try
        {
            status = (await connection.Agent.WaitProcessAsync(new WaitProcessRequest { ContainerId = _paths.Id, ExecId = execId })).Status;
        }
        catch (RpcException e)
        {
            _log.Warning("waiting for exec {ExecId} of {Id} failed: {Error}", execId, _paths.Id, e.Status.Detail);
            status = 255;
        }
        await Task.WhenAny(output, Task.Delay(DrainTimeout));
        _report.Exited(status);
        return status;
    }

    /// <summary>Where the container's stdio goes on this side: fds 0/1/2 (from `create`), or the slave of our pty.</summary>
    private sealed class ConsoleStreams : IDisposable
    {
        private readonly PseudoTerminal? _pty;

        private ConsoleStreams(Stream input, Stream output, Stream? error, PseudoTerminal? pty)
        {
            Input = input;
            Output = output;
            Error = error;
            _pty = pty;
        }

        public Stream Input { get; }
        public Stream Output { get; }
        /// <summary>The host pty whose master went out over --console-socket, or null.</summary>
        public PseudoTerminal? Pty => _pty;
        /// <summary>Null for a terminal: the agent's pty merges both streams into stdout.</summary>
        public Stream? Error { get; }

        public static ConsoleStreams OverStandardDescriptors(bool terminal) =>
            new(Descriptor(0, FileAccess.Read), Descriptor(1, FileAccess.Write), terminal ? null : Descriptor(2, FileAccess.Write), null);

        public static ConsoleStreams OverTerminal(PseudoTerminal pty)
        {
            // The receiver of the console socket owns the master now; ours would keep the pty open after it closes it.
            pty.Master.Dispose();
            return new ConsoleStreams(new FileStream(pty.Slave, FileAccess.Read, 0), new FileStream(pty.Slave, FileAccess.Write, 0), null, pty);
        }

        private static DescriptorStream Descriptor(int fd, FileAccess access) => new(fd, read: access == FileAccess.Read);

        public void Dispose() => _pty?.Dispose();
    }
}
