using System.Runtime.InteropServices;

namespace Kata.Shim.Interop;

/// <summary>A failed system call: the call, what it was applied to, and errno with its strerror text.</summary>
public sealed class ErrnoException : IOException
{
    public ErrnoException(string call, int errno, string? subject = null)
        : base($"{call}{(subject is null ? "" : $" {subject}")}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
    {
        Call = call;
        Errno = errno;
        Subject = subject;
    }

    public string Call { get; }
    public int Errno { get; }
    public string? Subject { get; }

    /// <summary>Throws for the errno of the last P/Invoke call (the one place errno becomes an exception).</summary>
    public static ErrnoException FromLastError(string call, string? subject = null) =>
        new(call, Marshal.GetLastPInvokeError(), subject);
}
