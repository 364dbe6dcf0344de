namespace Kata.Container.Cgroups;

/// <summary>A cgroup operation failed; the message names the file and, for a write, the value written.</summary>
public sealed class CgroupException : ContainerException
{
    public CgroupException(string message, string? file = null, int errno = 0) : base(message)
    {
        File = file;
        ErrorNumber = errno;
    }

    public CgroupException(string message, Exception inner, string? file = null) : base(message, inner)
    {
        File = file;
    }

    /// <summary>The cgroup file or directory involved, when there is one.</summary>
    public string? File { get; }

    /// <summary>The errno the kernel returned (0 when the failure was not a system call).</summary>
    public int ErrorNumber { get; }
}
