using Kata.Container.Cgroups;
using Kata.Container.Hooks;
using Kata.Container.Interop;
using Kata.Container.Namespaces;
using Kata.Container.ProcessSetup;
using Kata.Container.Spawn;
using Kata.Oci.Spec;
using Kata.Oci.State;

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
            if (container.Init is not null)
            {
                // runtime.md: a failed create "continues the lifecycle at step 12": the container is deleted here, so
                // the poststop hooks run as for any delete (runc's destroy does the same). Nothing they do may hide
                // the error create is failing with.
                try
                {
                    RunPoststopHooks(container);
                }
                catch (Exception hookFailure) when (hookFailure is SyscallException or IOException)
                {
                    _logger.Warning(hookFailure, "Container {ContainerId}: poststop hooks after the failed create could not run", id);
                }
            }
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
            InitPid = container.Pid,
        }, StageJsonContext.Default.StageRequest);

        // The stage runs the createContainer hooks before it reports ready: their timeouts extend the wait.
        var timeout = TimeoutWith(container.Spec.Hooks.TimeAllowed(HookPhase.CreateContainer));
        void TakeConsole(FileDescriptor master)
        {
            if (options.ConsoleSocketPath is { } socketPath)
            {
                ConsoleSocket.Hand(socketPath, master);
            }
            else
            {
                container.Console = master;
            }
        }
        var report = StageReports.Next(container.Channel, timeout, TakeConsole);
        if (report?.Kind == StageReportKind.RuntimeHooks)
        {
            // runtime.md "Lifecycle" steps 3-4: prestart (deprecated) and createRuntime, in the runtime namespace,
            // while the stage waits with its environment set up and pivot_root not yet done.
            var state = HookState(container, ContainerStatus.Creating);
            try
            {
                HookRunner.RunAll(container.Spec.Hooks, HookPhase.Prestart, state);
                HookRunner.RunAll(container.Spec.Hooks, HookPhase.CreateRuntime, state);
            }
            catch (HookFailedException failure)
            {
                // The same wording as a createContainer hook failing in the stage (StageLauncher.ToException).
                throw new HookFailedException($"container {container.Id}: create failed: {failure.Message}", failure);
            }
            container.Channel.Send(new StageResume { Completed = "prestart and createRuntime hooks" }, StageJsonContext.Default.StageResume);
            report = StageReports.Next(container.Channel, timeout, TakeConsole);
        }
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
