using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Kata.Sandbox;
using Kata.Sandbox.Configuration;
using Kata.Shim.Events;
using Kata.Shim.Interop;
using Kata.Shim.Manager;
using Kata.Shim.Pod;
using Kata.Shim.Processes;
using Kata.Shim.Protos.Events;
using Kata.Shim.Protos.Options;
using Serilog;

namespace Kata.Shim.Service;

/// <summary>
/// containerd's Task service (shim.proto) for one pod: the containers and their processes, mapped onto the pod
/// sandbox's agent. Methods throw the shim's own exceptions; <see cref="TaskServiceBinding"/> turns them into ttrpc
/// status codes at the service boundary.
/// </summary>
public sealed partial class TaskService
{
    public const string Version = "kata-style 0.1";
    /// <summary>The options type containerd sends for a non-runc runtime (CRI `options` table, ctr --runtime-config-path).</summary>
    public const string RuntimeOptionsTypeUrl = "runtimeoptions.v1.Options";
    /// <summary>How long an exit waits for the rest of the process's output to be copied.</summary>
    private static readonly TimeSpan OutputDrainLimit = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly string _namespace;
    private readonly IEventSink _events;
    private readonly PodSandbox _pod;
    private readonly Func<string?, KataConfiguration> _loadConfiguration;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, ShimContainer> _containers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly TaskCompletionSource _shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskService(string containerdNamespace, IEventSink events, PodSandbox pod,
        Func<string?, KataConfiguration> loadConfiguration, ILogger log)
    {
        _namespace = containerdNamespace;
        _events = events;
        _pod = pod;
        _loadConfiguration = loadConfiguration;
        _log = log.ForContext<TaskService>();
        _pod.Died += OnSandboxDied;
        _pod.OutOfMemory += id =>
        {
            if (_containers.ContainsKey(id))
            {
                _events.Publish(new TaskOOM { ContainerId = id });
            }
        };
    }

    /// <summary>Completes when the daemon should exit (Shutdown with no containers left, or SIGTERM).</summary>
    public Task ShutdownRequested => _shutdown.Task;

    public int ContainerCount => _containers.Count;

    public void RequestShutdown() => _shutdown.TrySetResult();

    /// <summary>On SIGTERM: kill what is left, stop the sandbox.</summary>
    public async Task StopEverythingAsync()
    {
        foreach (ShimContainer container in _containers.Values)
        {
            UnmountRootfs(container);
        }
        await _pod.StopAsync(StopGrace);
    }

    private ShimContainer Get(string id) =>
        _containers.TryGetValue(id, out ShimContainer? container) ? container : throw new ProcessNotFoundException($"container {id} does not exist in this shim");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,75}$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidId();

    /// <summary>containerd's identifiers rule (identifiers.Validate): ids name directories, so nothing else passes.</summary>
    private static void ValidateId(string id, string what)
    {
        if (!ValidId().IsMatch(id))
        {
            throw new ArgumentException($"{what} \"{id}\" is not a valid identifier (letters, digits, '_', '.', '-', at most 76)");
        }
    }

    /// <summary>configuration.toml for this pod: the ConfigPath runtime option, else KATA_STYLE_CONFIG / the default path.</summary>
    private KataConfiguration LoadConfiguration(Any? options)
    {
        string? configPath = null;
        if (options is not null && options.TypeUrl.Length > 0)
        {
            if (options.TypeUrl.TrimStart('/').EndsWith(RuntimeOptionsTypeUrl, StringComparison.Ordinal))
            {
                Options parsed = Options.Parser.ParseFrom(options.Value);
                configPath = parsed.ConfigPath.Length > 0 ? parsed.ConfigPath : null;
                if (configPath is null && parsed.ConfigBody.Length > 0)
                {
                    return ConfigurationLoader.Parse(parsed.ConfigBody, "containerd runtime options (ConfigBody)");
                }
            }
            else
            {
                throw new ArgumentException($"runtime options of type {options.TypeUrl} are not understood by kata-style (expected {RuntimeOptionsTypeUrl} with ConfigPath)");
            }
        }
        return _loadConfiguration(configPath);
    }

    private void Publish(IMessage taskEvent) => _events.Publish(taskEvent);

    private static Timestamp Time(DateTimeOffset at) => Timestamp.FromDateTimeOffset(at);

    private void UnmountRootfs(ShimContainer container)
    {
        if (container.MountedRootfs is { } target)
        {
            Rootfs.RootfsMounter.TryUnmount(target);
            container.MountedRootfs = null;
        }
    }

    /// <summary>Kills a container process the dead agent left behind (process sandbox: the agent's children are host processes).</summary>
    private static void KillOrphan(int pid)
    {
        if (pid > 0)
        {
            _ = Libc.Kill(pid, 9);
        }
    }

    private void OnSandboxDied(string reason)
    {
        var at = DateTimeOffset.UtcNow;
        bool processSandbox = _pod.Configuration?.Sandbox == SandboxKind.Process;
        foreach (ShimContainer container in _containers.Values)
        {
            // Execs first, the init last (containerd expects the init's exit to be the last of a task).
            foreach (ShimProcess exec in container.Execs.Values)
            {
                if (processSandbox)
                {
                    KillOrphan(exec.Pid);
                }
                ReportExit(exec, new ExitStatus(ExitStatus.SandboxDied, at));
            }
            if (processSandbox)
            {
                KillOrphan(container.Init.Pid);
            }
            ReportExit(container.Init, new ExitStatus(ExitStatus.SandboxDied, at));
            _log.Error("container {Container}: sandbox died ({Reason}); reported exit {Status}", container.Id, reason, ExitStatus.SandboxDied);
        }
    }

    private void ReportExit(ShimProcess process, ExitStatus status)
    {
        if (!process.TrySetExited(status))
        {
            return;
        }
        _log.Information("{Process} exited with {Status}", process.Name, status.Code);
        Publish(new TaskExit
        {
            ContainerId = process.ContainerId,
            Id = process.IsInit ? process.ContainerId : process.ExecId,
            Pid = (uint)process.Pid,
            ExitStatus = status.Code,
            ExitedAt = Time(status.At),
        });
    }
}
