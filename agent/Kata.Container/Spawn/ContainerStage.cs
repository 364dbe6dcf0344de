using Kata.Container.Interop;

namespace Kata.Container.Spawn;

/// <summary>
/// The stage side of the engine: the executable that hosts the engine (kata-style-agent, or a test assembly) is started
/// again by the engine with <see cref="StageArgument"/> and becomes the container's init (or an exec'd process), like
/// <c>runc init</c>. Its Main must call <see cref="RunIfRequested"/> before doing anything else.
/// <para>
/// Design (why not runc's two processes): runc needs nsexec, C code that runs before the Go runtime, because the
/// runtime is multi-threaded and namespaces are per thread. .NET can never fork and never start single-threaded, so the
/// work is split by what each namespace needs:
/// <list type="bullet">
/// <item>The pid namespace only applies to children (pid_ns_for_children). The engine creates or joins it on a
/// dedicated thread and posix_spawn()s the stage from that same thread, so the stage is PID 1 of the new namespace and a
/// direct child of the engine (waitid and pidfd work without a subreaper). The thread then ends, so no other work ever
/// runs with that namespace set.</item>
/// <item>Every other namespace (ipc, uts, net, mount, cgroup) is entered by the stage on its main thread: unshare(2) and
/// setns(2) change only the calling thread (after unshare(CLONE_FS) for mount namespaces), and that thread is the one
/// that mounts, pivots and finally execve()s, so the container process inherits exactly its namespaces. The runtime's
/// other threads stay behind and vanish at execve.</item>
/// <item>Exec joins the pid namespace the same way, and the stage setns()es into the rest, the mount namespace last,
/// then chroots to the init's root (so the chroot fallback also works).</item>
/// </list>
/// One .NET start per container instead of two. User and time namespaces would need a single-threaded or
/// non-CLONE_VM creator and are refused with NotSupportedException (see NamespacePlan).
/// </para>
/// </summary>
public static class ContainerStage
{
    /// <summary>The first argument that makes an executable act as a container stage.</summary>
    public const string StageArgument = "__kata-container-stage";

    /// <summary>The descriptor number of the sync socket in the stage.</summary>
    internal const int SyncFd = 3;

    /// <summary>
    /// Runs the stage when <paramref name="args"/> asks for it and returns its exit status (on success the process is
    /// replaced by the container's program and this never returns); returns null when this is a normal start.
    /// </summary>
    public static int? RunIfRequested(string[] args)
    {
        if (args.Length == 0 || args[0] != StageArgument)
        {
            return null;
        }
        return Run();
    }

    private static int Run()
    {
        StageWarmup.PreloadAssemblies();
        // dup2 in posix_spawn cleared close-on-exec; set it again so the socket closes at execve (the engine reads that
        // EOF as "exec succeeded") and never leaks into the container.
        Errno.Check(Libc.Fcntl(SyncFd, LinuxConstants.F_SETFD, LinuxConstants.FD_CLOEXEC), "fcntl(F_SETFD)", "sync socket");
        using var channel = new SyncChannel(new FileDescriptor(SyncFd));
        try
        {
            var request = channel.Receive(StageJsonContext.Default.StageRequest);
            if (request is null)
            {
                return 2; // the engine went away before sending anything
            }
            switch (request.Mode)
            {
                case StageMode.Init:
                    InitStage.Run(request, channel);
                    break;
                case StageMode.Exec:
                    ExecStage.Run(request, channel);
                    break;
            }
            return 1; // not reached: both modes end in execve or throw
        }
        catch (Exception exception)
        {
            TryReport(channel, exception);
            return 1;
        }
    }

    private static void TryReport(SyncChannel channel, Exception exception)
    {
        var report = exception switch
        {
            SyscallException sys => new StageReport
            {
                Kind = StageReportKind.Error, ErrorKind = StageErrorKind.Syscall, Message = sys.Message,
                Call = sys.Call, ErrorNumber = sys.ErrorNumber, Path = sys.Path,
            },
            Hooks.HookFailedException => new StageReport { Kind = StageReportKind.Error, ErrorKind = StageErrorKind.Hook, Message = exception.Message },
            ContainerConfigException => new StageReport { Kind = StageReportKind.Error, ErrorKind = StageErrorKind.Config, Message = exception.Message },
            NotSupportedException => new StageReport { Kind = StageReportKind.Error, ErrorKind = StageErrorKind.NotSupported, Message = exception.Message },
            _ => new StageReport { Kind = StageReportKind.Error, ErrorKind = StageErrorKind.Other, Message = $"{exception.GetType().Name}: {exception.Message}" },
        };
        try
        {
            channel.Send(report, StageJsonContext.Default.StageReport);
        }
        catch (Exception sendFailure) when (sendFailure is SyscallException or IOException)
        {
            Console.Error.WriteLine($"container stage failed: {exception.Message} (and could not tell the engine: {sendFailure.Message})");
        }
    }
}
