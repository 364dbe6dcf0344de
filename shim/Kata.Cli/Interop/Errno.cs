using System.Runtime.InteropServices;

namespace Kata.Cli.Interop;

/// <summary>The one place a failed libc call becomes an exception (carrying the errno and what was being done).</summary>
internal static class Errno
{
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EWOULDBLOCK = 11;
    public const int EEXIST = 17;

    public static int Check(int result, string call)
    {
        if (result < 0)
        {
            throw Exception(call);
        }
        return result;
    }

    public static SyscallException Exception(string call)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new SyscallException(call, errno);
    }
}
