using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Interop;

/// <summary>The one place that turns a failed system call into a typed exception.</summary>
internal static class Errno
{
    public static int Last => Marshal.GetLastSystemError();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>Throws <see cref="SystemCallException"/> when <paramref name="result"/> is negative.</summary>
    public static int Check(int result, string call, string? subject = null)
    {
        if (result < 0)
        {
            throw new SystemCallException(call, Last, subject);
        }
        return result;
    }

    public static nint Check(nint result, string call, string? subject = null)
    {
        if (result < 0)
        {
            throw new SystemCallException(call, Last, subject);
        }
        return result;
    }
}
