using Kata.Container.Interop;
using Kata.Oci.Spec;

namespace Kata.Container.Namespaces;

/// <summary>
/// unshare(2) and setns(2) for the calling thread. Namespace membership is per thread, so these run on a thread that
/// then creates the process (engine: the pid namespace) or execve()s (stage: all the others).
/// </summary>
internal static class NamespaceEntry
{
    /// <summary>Opens a namespace file for setns; opened up front, before any namespace (mount!) changes.</summary>
    public static FileDescriptor OpenNamespace(string path) =>
        new(Errno.Check(Libc.Open(path, LinuxConstants.O_RDONLY | LinuxConstants.O_CLOEXEC, 0), "open", path));

    public static void Create(NamespaceType type)
    {
        var flag = NamespaceFlags.CloneFlag(type);
        Errno.Check(Libc.Unshare(flag), "unshare", $"CLONE_NEW{NamespaceFlags.ProcFileName(type).ToUpperInvariant()}");
    }

    /// <summary>Joins the namespace behind <paramref name="namespaceFile"/>. For a mount namespace the thread first
    /// stops sharing its root and cwd with the other threads (setns(2): EINVAL otherwise).</summary>
    public static void Join(NamespaceType type, FileDescriptor namespaceFile, string description)
    {
        if (type == NamespaceType.Mount)
        {
            Errno.Check(Libc.Unshare(LinuxConstants.CLONE_FS), "unshare", "CLONE_FS");
        }
        Errno.Check(Libc.Setns(namespaceFile.Fd, NamespaceFlags.CloneFlag(type)), "setns", description);
    }
}
