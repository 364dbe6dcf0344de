namespace Kata.Hypervisor.Interop;

/// <summary>A failed system call or ioctl, carrying errno and what it was applied to.</summary>
public sealed class SystemCallException : Exception
{
    public SystemCallException(string call, int errno, string? subject = null)
        : base(subject is null
            ? $"{call} failed: {Errno.Describe(errno)} (errno {errno})"
            : $"{call} on {subject} failed: {Errno.Describe(errno)} (errno {errno})")
    {
        Call = call;
        ErrorNumber = errno;
        Subject = subject;
    }

    public string Call { get; }
    public int ErrorNumber { get; }
    public string? Subject { get; }
}
