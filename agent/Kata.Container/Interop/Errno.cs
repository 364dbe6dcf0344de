using System.Runtime.InteropServices;

namespace Kata.Container.Interop;

/// <summary>The one place that turns a failed system call into a <see cref="SyscallException"/>.</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int ECHILD = 10;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EINVAL = 22;
    public const int ENXIO = 6;
    public const int ENOSYS = 38;

    public static int Last => Marshal.GetLastSystemError();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>Throws when <paramref name="result"/> is negative (the libc convention: -1 and errno).</summary>
    public static int Check(int result, string call, string? path = null)
    {
        if (result < 0)
        {
            throw new SyscallException(call, Last, path);
        }
        return result;
    }

    public static long Check(long result, string call, string? path = null)
    {
        if (result < 0)
        {
            throw new SyscallException(call, Last, path);
        }
        return result;
    }

    /// <summary>Throws for the pthread/posix_spawn convention, where the error number is the return value.</summary>
    public static void CheckReturned(int error, string call, string? path = null)
    {
        if (error != 0)
        {
            throw new SyscallException(call, error, path);
        }
    }

    /// <summary>Runs a call again while it fails with EINTR.</summary>
    public static int RetryOnInterrupt(Func<int> call)
    {
        while (true)
        {
            var result = call();
            if (result >= 0 || Last != EINTR)
            {
                return result;
            }
        }
    }
}
