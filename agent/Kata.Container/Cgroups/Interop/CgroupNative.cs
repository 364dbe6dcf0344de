using System.Runtime.InteropServices;

namespace Kata.Container.Cgroups.Interop;

/// <summary>The system calls the cgroup managers need beyond the engine's <c>Interop.Libc</c>.</summary>
internal static unsafe partial class CgroupNative
{
    /// <summary>Filesystem magic numbers (linux/magic.h).</summary>
    public const long Cgroup2SuperMagic = 0x63677270;
    public const long CgroupSuperMagic = 0x27e0eb;
    public const long TmpfsMagic = 0x01021994;

    public const int EfdCloexec = 0x80000;
    public const int InCloexec = 0x80000;

    /// <summary>IN_MODIFY (inotify(7)): cgroup v2 "notify" files (memory.events, cgroup.events) raise it on change.</summary>
    public const uint InModify = 0x2;

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statfs(string path, StatFs* buffer);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int Eventfd(uint initialValue, int flags);

    [LibraryImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    public static partial int InotifyInit1(int flags);

    [LibraryImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int InotifyAddWatch(int fd, string path, uint mask);

    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Rmdir(string path);
}
