using Kata.Container.Cgroups;
using Kata.Container.Interop;
using Kata.Container.Namespaces;
using Kata.Container.ProcessSetup;
using Kata.Container.Spawn;
using Kata.Oci.Spec;

namespace Kata.Container.Lifecycle;

public sealed partial class ContainerEngine
{
    /// <summary>
    /// runtime.md "create": loads and checks the bundle's config.json, spawns the init stage and waits until it has set
    /// everything up and waits for start. On any failure nothing is left behind: the stage is killed and reaped and the
    /// state directory removed.
    /// </summary>
    public ContainerInstance Create(string id, string bundlePath, ContainerCreateOptions? options = null)
    {
        ValidateId(id);
        options ??= new ContainerCreateOptions();
        var bundle = Path.GetFullPath(bundlePath);
        var spec = SpecLoader.Load(bundle);
        var rootfs = Path.GetFullPath(spec.Root!.Path, bundle).TrimEnd('/');
        if (!Directory.Exists(rootfs))
        {
            throw new ContainerConfigException($"root.path: '{rootfs}' is not a directory");
        }
        var plan = NamespacePlan.From(spec);
        ProcessIdentity.Validate(spec.Process!);

        var container = new ContainerInstance(id, bundle, spec, rootfs, Path.Combine(_options.StateRoot, id), plan);
        if (!_containers.TryAdd(id, container))
        {
            throw new ContainerException($"container {id} already exists");
        }
        try
        {
            Directory.CreateDirectory(container.StateDirectory);
            StartFifo.Create(container.ExecFifoPath);
            LaunchInit(container, options);
            _logger.Information("Container {ContainerId} created: init pid {Pid}, bundle {Bundle}", id, container.Pid, bundle);
            return container;
        }
        catch
        {
            _containers.TryRemove(id, out _);
            Release(container);
            throw;
        }
    }

    private void LaunchInit(ContainerInstance container, ContainerCreateOptions options)
    {
        var pidNamespace = container.Plan.Pid switch
        {
            null => PidNamespaceChoice.Inherit,
            { Path: null } => PidNamespaceChoice.New,
            { Path: { } path } => PidNamespaceChoice.Join(NamespaceEntry.OpenNamespace(path), path),
        };
        try
        {
            var (child, channel) = StageLauncher.Launch(_options.Stage, options.Stdio, pidNamespace);
            container.Init = child;
            container.Channel = channel;
        }
        finally
        {
            pidNamespace.JoinFile?.Dispose();
        }

        // The stage goes into the container's cgroup before it gets its config, so the cgroup namespace it creates is
        // rooted at the container's cgroup (runc does the same before nsexec unshares CLONE_NEWCGROUP).
        if (_options.ManageCgroups)
        {
            container.Cgroup = CgroupManagerFactory.Create(container.Spec.Linux?.CgroupsPath, container.Id, _logger);
            container.Cgroup.Apply(container.Pid);
            if (container.Spec.Linux?.Resources is { } resources)
            {
                container.Cgroup.Set(DeviceCgroupRules.WithDefaults(resources, container.Spec.Linux?.Devices));
            }
        }
        container.Channel.Send(new StageRequest
        {
            Mode = StageMode.Init,
            ContainerId = container.Id,
            SpecJson = SpecSerializer.Serialize(container.Spec),
            RootfsPath = container.Rootfs,
            BundlePath = container.Bundle,
            ExecFifoPath = container.ExecFifoPath,
            NoPivotRoot = _options.NoPivotRoot || options.NoPivotRoot,
        }, StageJsonContext.Default.StageRequest);

        var report = StageReports.Next(container.Channel, TimeoutMilliseconds, master =>
        {
            if (options.ConsoleSocketPath is { } socketPath)
            {
                ConsoleSocket.Hand(socketPath, master);
            }
            else
            {
                container.Console = master;
            }
        });
        switch (report?.Kind)
        {
            case StageReportKind.Ready:
                container.Warnings = report.Warnings ?? [];
                foreach (var warning in container.Warnings)
                {
                    _logger.Warning("Container {ContainerId}: {Warning}", container.Id, warning);
                }
                container.StateMachine.MarkCreated();
                _ = container.Init.Exit.ContinueWith(_ => container.StateMachine.MarkStopped(), TaskScheduler.Default);
                return;
            case StageReportKind.Error:
                throw StageLauncher.ToException(report, container.Id, "create");
            default:
                var status = container.Init.Exit.Wait(_options.StageTimeout) ? $"status {container.Init.Exit.Result}" : "no status";
                throw new ContainerException($"container {container.Id}: create failed: the init stage ended ({status}) without reporting");
        }
    }

    /// <summary>Kills and reaps whatever the container still has, and removes its state. Idempotent.</summary>
    private void Release(ContainerInstance container)
    {
        var processes = container.Execs.ToList();
        if (container.Init is { } init)
        {
            processes.Insert(0, init);
        }
        foreach (var process in processes)
        {
            process.Signal(LinuxConstants.SIGKILL);
        }
        foreach (var process in processes)
        {
            if (!process.Exit.Wait(_options.StageTimeout))
            {
                _logger.Error("Container {ContainerId}: pid {Pid} did not exit after SIGKILL", container.Id, process.Pid);
            }
            process.Dispose();
        }
        container.Channel?.Dispose();
        container.Channel = null;
        container.Console?.Dispose();
        // Whatever is left in the cgroup (descendants of a container without its own pid namespace) is killed here.
        container.Cgroup?.Destroy(killProcesses: true);
        if (Directory.Exists(container.StateDirectory))
        {
            Directory.Delete(container.StateDirectory, recursive: true);
        }
    }
}
