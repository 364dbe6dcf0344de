namespace Kata.Container.Interop;

/// <summary>A failed system call, carrying the call name, errno and the path (or other subject) it was applied to.</summary>
public sealed class SyscallException : Exception
{
    public SyscallException(string call, int errno, string? path = null)
        : base(path is null
            ? $"{call} failed: {Errno.Describe(errno)} (errno {errno})"
            : $"{call} {path} failed: {Errno.Describe(errno)} (errno {errno})")
    {
        Call = call;
        ErrorNumber = errno;
        Path = path;
    }

    /// <summary>The libc function or system call that failed.</summary>
    public string Call { get; }

    /// <summary>The errno value the call left behind.</summary>
    public int ErrorNumber { get; }

    /// <summary>The path, namespace or other subject the call was applied to, when there is one.</summary>
    public string? Path { get; }
}
