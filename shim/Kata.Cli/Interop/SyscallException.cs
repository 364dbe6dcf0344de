using System.Runtime.InteropServices;

namespace Kata.Cli.Interop;

/// <summary>A libc call failed: which call (and on what), and the errno.</summary>
public sealed class SyscallException : IOException
{
    public SyscallException(string call, int errno)
        : base($"{call}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
    {
        Call = call;
        Errno = errno;
    }

    public string Call { get; }
    public int Errno { get; }
}
