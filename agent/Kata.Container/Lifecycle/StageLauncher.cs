using System.Collections;
using Kata.Container.Interop;
using Kata.Container.Namespaces;
using Kata.Container.Spawn;
using Kata.Oci.Spec;

namespace Kata.Container.Lifecycle;

/// <summary>
/// Starts a stage process (see <see cref="ContainerStage"/> for the design): on a dedicated thread that first creates
/// or joins the pid namespace, posix_spawn of the stage command with the container's stdio as 0-2 and the sync socket
/// as 3, then a pidfd for it. Also turns a stage's error report back into the exception it threw.
/// </summary>
internal static class StageLauncher
{
    public static (ChildProcess Child, SyncChannel Channel) Launch(StageCommand stage, ContainerStdio stdio, PidNamespaceChoice pidNamespace)
    {
        var (channel, theirs) = SyncChannel.CreatePair();
        try
        {
            using (theirs)
            using (var devNull = new FileDescriptor(Errno.Check(Libc.Open("/dev/null", LinuxConstants.O_RDWR | LinuxConstants.O_CLOEXEC, 0), "open", "/dev/null")))
            {
                var descriptors = new List<ChildFileDescriptor>
                {
                    new(stdio.Stdin ?? devNull, 0),
                    new(stdio.Stdout ?? devNull, 1),
                    new(stdio.Stderr ?? devNull, 2),
                    new(theirs, ContainerStage.SyncFd),
                };
                var argv = stage.Prefix.Append(ContainerStage.StageArgument).ToList();
                var environment = CurrentEnvironment();
                var pid = DedicatedThread.Run("container-stage-spawn", () =>
                {
                    if (pidNamespace.CreateNew)
                    {
                        NamespaceEntry.Create(NamespaceType.Pid);
                    }
                    else if (pidNamespace.JoinFile is { } file)
                    {
                        NamespaceEntry.Join(NamespaceType.Pid, file, pidNamespace.JoinPath ?? "pid namespace");
                    }
                    return PosixSpawner.Spawn(stage.Executable, argv, environment, descriptors, newSession: true);
                });
                return (new ChildProcess(pid), channel);
            }
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    /// <summary>Maps a stage's error report to the exception type it came from, prefixed with the container id.</summary>
    public static Exception ToException(StageReport report, string containerId, string step)
    {
        var message = $"container {containerId}: {step} failed: {report.Message}";
        return report.ErrorKind switch
        {
            StageErrorKind.Config => new ContainerConfigException(message),
            StageErrorKind.NotSupported => new NotSupportedException(message),
            StageErrorKind.Hook => new Hooks.HookFailedException(message),
            StageErrorKind.Syscall => new ContainerException(message, new SyscallException(report.Call ?? "?", report.ErrorNumber, report.Path)),
            _ => new ContainerException(message),
        };
    }

    private static List<string> CurrentEnvironment()
    {
        var variables = new List<string>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables.Add($"{entry.Key}={entry.Value}");
        }
        return variables;
    }
}
