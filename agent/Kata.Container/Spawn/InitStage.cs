using Kata.Container.Hooks;
using Kata.Container.Interop;
using Kata.Container.Namespaces;
using Kata.Container.ProcessSetup;
using Kata.Container.Rootfs;
using Kata.Oci.Spec;
using Kata.Oci.State;

namespace Kata.Container.Spawn;

/// <summary>
/// The container's init, on the stage's main thread, in runc's order: namespaces, rootfs (mounts, devices, root
/// switch), hostname, sysctls, read-only and masked paths, user and capabilities, then "ready" to the engine, the wait
/// for start, and execve. It is PID 1 of the container's pid namespace (the engine spawned it there).
/// </summary>
internal static class InitStage
{
    public static void Run(StageRequest request, SyncChannel channel)
    {
        var spec = StageSpec.ReadSpec(request);
        var process = spec.Process ?? throw new ContainerConfigException("process: required to create a container");
        var capabilities = ProcessIdentity.Validate(process);
        var seccomp = StageSeccomp.Prepare(spec, process);
        var plan = NamespacePlan.From(spec);
        if (!plan.Has(NamespaceType.Mount))
        {
            throw new ContainerConfigException("linux.namespaces: a mount namespace is required (the rootfs is set up in it)");
        }
        ProcessIdentity.ApplyOomScoreAdj(process);
        using var fifo = StartFifo.OpenForWait(request.ExecFifoPath
            ?? throw new ContainerConfigException("the stage received no exec fifo path"));

        EnterNamespaces(plan);
        var warnings = new List<string>();
        if (plan.IsNew(NamespaceType.Mount))
        {
            var mounter = new RootfsMounter(spec, request.RootfsPath, request.BundlePath, plan.IsNew(NamespaceType.Cgroup), warnings);
            mounter.PrepareRoot();
            mounter.MountAll();
            new DeviceNodes(request.RootfsPath).Create(spec);
        }
        RunCreateHooks(spec, request, channel);
        if (plan.IsNew(NamespaceType.Mount))
        {
            if (!RootSwitcher.Switch(request.RootfsPath, request.NoPivotRoot))
            {
                warnings.Add("pivot_root was not possible; the rootfs was moved onto / and chrooted into (MS_MOVE fallback)");
            }
        }
        else
        {
            // A joined mount namespace is taken as already prepared (its owner set up the rootfs).
            Errno.Check(Libc.Chdir("/"), "chdir", "/");
        }

        UtsIdentity.Apply(spec, plan);
        KernelParameters.Apply(spec);
        PathRestrictions.Apply(spec);
        var executable = ExecutableLookup.Resolve(process.Args![0], process.Env);
        if (process.Terminal)
        {
            var (master, slave) = ConsoleTerminal.Open(process.ConsoleSize);
            using (master)
            {
                channel.Send(new StageReport { Kind = StageReportKind.Console }, StageJsonContext.Default.StageReport);
                DescriptorPassing.Send(channel.Descriptor.Fd, master.Fd);
            }
            ConsoleTerminal.AttachSlave(slave);
        }
        seccomp.LoadIfPrivilegeNeeded();
        ProcessIdentity.Apply(process, capabilities);

        channel.Send(new StageReport { Kind = StageReportKind.Ready, Warnings = warnings }, StageJsonContext.Default.StageReport);
        StartFifo.Wait(fifo);
        // runtime.md "Lifecycle" step 7: in the container, after start was invoked, before the user's program runs.
        HookRunner.RunAll(spec.Hooks, HookPhase.StartContainer, HookState(spec, request, ContainerStatus.Created));
        channel.Send(new StageReport { Kind = StageReportKind.Executing }, StageJsonContext.Default.StageReport);
        ProcessExecutor.Exec(process, executable, seccomp.LastStep);
    }

    /// <summary>
    /// runtime.md "Lifecycle" steps 3-5, where runc runs them: the environment is set up and pivot_root has not
    /// happened. The engine runs prestart and createRuntime in the runtime namespace while the stage waits (only when
    /// there are any: no round trip otherwise), then the stage runs createContainer here, in the container's
    /// namespaces, where hook paths still resolve in the runtime's filesystem.
    /// </summary>
    private static void RunCreateHooks(RuntimeSpec spec, StageRequest request, SyncChannel channel)
    {
        if (spec.Hooks.Of(HookPhase.Prestart).Count > 0 || spec.Hooks.Of(HookPhase.CreateRuntime).Count > 0)
        {
            channel.Send(new StageReport { Kind = StageReportKind.RuntimeHooks }, StageJsonContext.Default.StageReport);
            _ = channel.Receive(StageJsonContext.Default.StageResume)
                ?? throw new ContainerException("the engine closed the sync socket while the createRuntime hooks ran");
        }
        HookRunner.RunAll(spec.Hooks, HookPhase.CreateContainer, HookState(spec, request, ContainerStatus.Creating));
    }

    private static ContainerState HookState(RuntimeSpec spec, StageRequest request, ContainerStatus status) => new()
    {
        Id = request.ContainerId,
        Status = status,
        Pid = request.InitPid,
        Bundle = request.BundlePath,
        Annotations = spec.Annotations,
    };

    private static void EnterNamespaces(NamespacePlan plan)
    {
        // Open every namespace file before entering any: after a mount namespace change the paths may not resolve.
        var files = plan.Stage
            .Where(n => n.Path is not null)
            .ToDictionary(n => n.Type, n => NamespaceEntry.OpenNamespace(n.Path!));
        try
        {
            foreach (var entry in plan.Stage)
            {
                if (files.TryGetValue(entry.Type, out var file))
                {
                    NamespaceEntry.Join(entry.Type, file, entry.Path!);
                }
                else
                {
                    NamespaceEntry.Create(entry.Type);
                }
            }
        }
        finally
        {
            foreach (var file in files.Values)
            {
                file.Dispose();
            }
        }
    }
}
