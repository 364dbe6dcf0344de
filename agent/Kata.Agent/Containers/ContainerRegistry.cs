using System.Collections.Concurrent;
using Kata.Agent.Protocol;
using Kata.Container;
using Kata.Container.Interop;
using Kata.Container.Lifecycle;
using Kata.Oci.Spec;
using Serilog;

namespace Kata.Agent.Containers;

/// <summary>
/// The agent's containers: writes each request's config.json into a bundle of its own, mounts its storages, creates
/// it through the engine with pipes for its stdio, and tracks its processes until it is removed.
/// </summary>
public sealed class ContainerRegistry : IDisposable
{
    private readonly ContainerEngine _engine;
    private readonly string _bundleRoot;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, AgentContainer> _containers = new(StringComparer.Ordinal);

    public ContainerRegistry(ContainerEngine engine, string stateDirectory, ILogger log)
    {
        _engine = engine;
        _bundleRoot = Path.Combine(stateDirectory, "bundles");
        _log = log.ForContext<ContainerRegistry>();
    }

    public ContainerEngine Engine => _engine;

    public AgentContainer Get(string id) =>
        _containers.TryGetValue(id, out AgentContainer? container) ? container : throw new ContainerNotFoundException(id);

    public IReadOnlyCollection<AgentContainer> All => _containers.Values.ToList();

    public AgentContainer Create(CreateContainerRequest request)
    {
        if (_containers.ContainsKey(request.ContainerId))
        {
            throw new ContainerException($"container {request.ContainerId} already exists");
        }
        // Parse and validate before anything touches the filesystem: a bad spec leaves nothing behind.
        string json = request.OciSpecJson.ToStringUtf8();
        RuntimeSpec spec = SpecLoader.Parse(json, $"container {request.ContainerId}: config.json");
        bool terminal = spec.Process?.Terminal == true || request.Stdio?.Terminal == true;
        if (terminal && spec.Process is { } process)
        {
            // The engine makes the pty from the spec: the host's wish for a terminal and its size go into it.
            spec = spec with { Process = WithTerminal(process, request.Stdio) };
            json = SpecSerializer.Serialize(spec);
        }
        string bundle = Path.Combine(_bundleRoot, request.ContainerId);
        var mounted = new List<string>();
        ProcessIo? io = null;
        try
        {
            foreach (Storage storage in request.Storages)
            {
                StorageMounter.Mount(storage);
                mounted.Add(storage.MountPoint);
            }
            Directory.CreateDirectory(bundle);
            File.WriteAllText(Path.Combine(bundle, "config.json"), json);
            io = terminal ? ProcessIo.CreateTerminal() : ProcessIo.Create(withStdin: request.Stdio?.Stdin == true);
            ContainerInstance instance = _engine.Create(request.ContainerId, bundle, new ContainerCreateOptions { Stdio = io.ChildStdio });
            io.ReleaseChildEnds();
            if (terminal)
            {
                // The engine keeps its master (closed when the container is deleted); the agent works on duplicates.
                io.AttachTerminal(instance.Console?.Fd ?? throw new ContainerException($"container {request.ContainerId}: the engine made no terminal"));
            }
            var container = new AgentContainer(instance, new AgentProcess("", instance.Pid, _engine.WaitAsync(instance.Id), io,
                signal => SignalInit(instance.Id, signal)), bundle);
            container.StorageMounts.AddRange(mounted);
            _containers[request.ContainerId] = container;
            return container;
        }
        catch
        {
            io?.Dispose();
            RemoveLeftovers(bundle, mounted);
            throw;
        }
    }

    public AgentProcess Exec(string containerId, string execId, ProcessSpec process, StdioConfig? stdio)
    {
        AgentContainer container = Get(containerId);
        if (string.IsNullOrEmpty(execId))
        {
            throw new ArgumentException("exec_id must not be empty (the empty id names the container's init)");
        }
        if (container.Execs.ContainsKey(execId))
        {
            throw new ContainerException($"container {containerId} already has an exec {execId}");
        }
        bool terminal = process.Terminal || stdio?.Terminal == true;
        if (terminal)
        {
            process = WithTerminal(process, stdio);
        }
        ProcessIo io = terminal ? ProcessIo.CreateTerminal() : ProcessIo.Create(withStdin: stdio?.Stdin == true);
        try
        {
            ContainerProcess started = _engine.Exec(containerId, process, io.ChildStdio);
            io.ReleaseChildEnds();
            if (terminal)
            {
                // Nobody else keeps an exec's master: the agent's duplicates are the ones that stay.
                using FileDescriptor master = started.Console ?? throw new ContainerException($"container {containerId}: exec {execId}: the engine made no terminal");
                io.AttachTerminal(master.Fd);
            }
            var agentProcess = new AgentProcess(execId, started.Pid, started.WaitAsync(), io, started.Signal);
            container.Execs[execId] = agentProcess;
            return agentProcess;
        }
        catch
        {
            io.Dispose();
            throw;
        }
    }

    /// <summary>
    /// process.terminal set, and the size of the host's terminal (StdioConfig console_rows/cols, when given) as
    /// process.consoleSize: the engine sets it on the pty before the process runs, so the very first `stty size` sees it.
    /// </summary>
    private static ProcessSpec WithTerminal(ProcessSpec process, StdioConfig? stdio) => process with
    {
        Terminal = true,
        ConsoleSize = stdio is { ConsoleRows: > 0, ConsoleCols: > 0 }
            ? new ConsoleSize { Height = stdio.ConsoleRows, Width = stdio.ConsoleCols }
            : process.ConsoleSize,
    };

    /// <summary>Kills what is left (SIGTERM, then SIGKILL after <paramref name="timeout"/>), deletes it in the engine, unmounts its storages.</summary>
    public async Task RemoveAsync(string id, TimeSpan timeout)
    {
        AgentContainer container = Get(id);
        if (!container.Init.Exited.IsCompleted && timeout > TimeSpan.Zero)
        {
            TryKill(id, 15);
            await Task.WhenAny(container.Init.Exited, Task.Delay(timeout));
        }
        _engine.Delete(id, force: true);
        _containers.TryRemove(id, out _);
        container.Init.Io.Dispose();
        foreach (AgentProcess exec in container.Execs.Values)
        {
            exec.Io.Dispose();
        }
        RemoveLeftovers(container.Bundle, container.StorageMounts);
        _log.Information("container {ContainerId} removed", id);
    }

    private bool SignalInit(string id, int signal)
    {
        _engine.Kill(id, signal, all: false);
        return true;
    }

    private void TryKill(string id, int signal)
    {
        try
        {
            _engine.Kill(id, signal, all: true);
        }
        catch (ContainerException e)
        {
            _log.Debug("kill {ContainerId}: {Error}", id, e.Message);
        }
    }

    private void RemoveLeftovers(string bundle, List<string> mounts)
    {
        foreach (string mountPoint in Enumerable.Reverse(mounts))
        {
            StorageMounter.Unmount(mountPoint);
        }
        try
        {
            if (Directory.Exists(bundle))
            {
                Directory.Delete(bundle, recursive: true);
            }
        }
        catch (IOException e)
        {
            _log.Warning("could not remove bundle {Bundle}: {Error}", bundle, e.Message);
        }
    }

    public void Dispose()
    {
        foreach (string id in _containers.Keys.ToList())
        {
            try
            {
                RemoveAsync(id, TimeSpan.Zero).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is ContainerException or IOException)
            {
                _log.Warning("removing {ContainerId} at shutdown: {Error}", id, e.Message);
            }
        }
        _engine.Dispose();
    }
}
