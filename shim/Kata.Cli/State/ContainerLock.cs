using Kata.Cli.Interop;
using Microsoft.Win32.SafeHandles;

namespace Kata.Cli.State;

/// <summary>
/// flock(2) on a container's lock file: every command that changes a container holds it, so two commands on one
/// container never interleave. The kernel drops the lock when the holder dies, so a crashed CLI leaves no stale lock.
/// </summary>
public sealed class ContainerLock : IDisposable
{
    private readonly SafeFileHandle _file;

    private ContainerLock(SafeFileHandle file) => _file = file;

    /// <summary>Waits for the lock of an existing container directory; null when the directory is not there.</summary>
    public static ContainerLock? Acquire(ContainerPaths paths)
    {
        // open(2) directly: .NET's own file opening takes a non-blocking flock of its own on Unix, which would
        // collide with ours.
        int fd = CliLibc.Open(paths.Lock, CliLibc.ORdwr | CliLibc.OCloexec);
        if (fd < 0)
        {
            SyscallException error = Errno.Exception($"open {paths.Lock}");
            return error.Errno == Errno.ENOENT ? null : throw error;
        }
        var file = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            while (CliLibc.Flock((int)file.DangerousGetHandle(), CliLibc.LockExclusive) < 0)
            {
                SyscallException error = Errno.Exception($"flock {paths.Lock}");
                if (error.Errno != Errno.EINTR)
                {
                    throw error;
                }
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }
        // `delete` removes the directory while holding the lock: whoever waited behind it finds the directory gone.
        if (!Directory.Exists(paths.Directory))
        {
            file.Dispose();
            return null;
        }
        return new ContainerLock(file);
    }

    public void Dispose() => _file.Dispose();
}
