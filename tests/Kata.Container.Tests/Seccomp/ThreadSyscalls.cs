using System.Runtime.InteropServices;

namespace Kata.Container.Tests.Seccomp;

/// <summary>Raw system calls the seccomp tests make on a filtered thread (syscall(2), so libc caches nothing).</summary>
internal static unsafe partial class ThreadSyscalls
{
    public const long Getcwd = 79;
    public const long Kill = 62;
    public const long Mkdir = 83;
    public const long Unshare = 272;
    public const long Clone3 = 435;
    public const long CloneNewUser = 0x10000000;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint a1, nint a2);

    /// <summary>Runs one syscall and returns 0 or the errno it failed with.</summary>
    public static int Errno(long number, nint a1 = 0, nint a2 = 0) =>
        Syscall(number, a1, a2) < 0 ? Marshal.GetLastSystemError() : 0;

    public static int GetcwdErrno()
    {
        var buffer = stackalloc byte[4096];
        return Errno(Getcwd, (nint)buffer, 4096);
    }

    public static int MkdirErrno(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            return Errno(Mkdir, (nint)p, 0x1c0);
        }
    }

    /// <summary>Runs <paramref name="body"/> on a new thread and returns what it returned (or rethrows).</summary>
    public static T OnNewThread<T>(Func<T> body)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = body();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException("the filtered thread failed", failure);
        }
        return result;
    }
}
