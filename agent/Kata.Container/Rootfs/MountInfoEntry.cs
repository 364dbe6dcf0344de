namespace Kata.Container.Rootfs;

/// <summary>One line of /proc/[pid]/mountinfo (proc(5)).</summary>
public sealed record MountInfoEntry(int Id, int ParentId, string MountPoint, string FileSystemType, string Source,
    string MountOptions, string SuperOptions);
