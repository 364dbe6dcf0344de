using Kata.Container.Interop;

namespace Kata.Container.Rootfs;

/// <summary>
/// A mount's fstab-style options split into mount(2) flags, propagation changes and filesystem data
/// (mount(8) "FILESYSTEM-INDEPENDENT MOUNT OPTIONS"; the same table as runc's parseMountOptions).
/// </summary>
internal sealed record MountOptions(ulong Flags, IReadOnlyList<ulong> Propagation, string? Data)
{
    private static readonly Dictionary<string, (bool Clear, ulong Flag)> FlagTable = new(StringComparer.Ordinal)
    {
        ["async"] = (true, LinuxConstants.MS_SYNCHRONOUS),
        ["atime"] = (true, LinuxConstants.MS_NOATIME),
        ["bind"] = (false, LinuxConstants.MS_BIND),
        ["defaults"] = (false, 0),
        ["dev"] = (true, LinuxConstants.MS_NODEV),
        ["diratime"] = (true, LinuxConstants.MS_NODIRATIME),
        ["dirsync"] = (false, LinuxConstants.MS_DIRSYNC),
        ["exec"] = (true, LinuxConstants.MS_NOEXEC),
        ["lazytime"] = (false, LinuxConstants.MS_LAZYTIME),
        ["loud"] = (true, LinuxConstants.MS_SILENT),
        ["mand"] = (false, LinuxConstants.MS_MANDLOCK),
        ["noatime"] = (false, LinuxConstants.MS_NOATIME),
        ["nodev"] = (false, LinuxConstants.MS_NODEV),
        ["nodiratime"] = (false, LinuxConstants.MS_NODIRATIME),
        ["noexec"] = (false, LinuxConstants.MS_NOEXEC),
        ["nolazytime"] = (true, LinuxConstants.MS_LAZYTIME),
        ["nomand"] = (true, LinuxConstants.MS_MANDLOCK),
        ["norelatime"] = (true, LinuxConstants.MS_RELATIME),
        ["nostrictatime"] = (true, LinuxConstants.MS_STRICTATIME),
        ["nosuid"] = (false, LinuxConstants.MS_NOSUID),
        ["nosymfollow"] = (false, LinuxConstants.MS_NOSYMFOLLOW),
        ["rbind"] = (false, LinuxConstants.MS_BIND | LinuxConstants.MS_REC),
        ["relatime"] = (false, LinuxConstants.MS_RELATIME),
        ["remount"] = (false, LinuxConstants.MS_REMOUNT),
        ["ro"] = (false, LinuxConstants.MS_RDONLY),
        ["rw"] = (true, LinuxConstants.MS_RDONLY),
        ["silent"] = (false, LinuxConstants.MS_SILENT),
        ["strictatime"] = (false, LinuxConstants.MS_STRICTATIME),
        ["suid"] = (true, LinuxConstants.MS_NOSUID),
        ["sync"] = (false, LinuxConstants.MS_SYNCHRONOUS),
    };

    private static readonly Dictionary<string, ulong> PropagationTable = new(StringComparer.Ordinal)
    {
        ["private"] = LinuxConstants.MS_PRIVATE,
        ["rprivate"] = LinuxConstants.MS_PRIVATE | LinuxConstants.MS_REC,
        ["shared"] = LinuxConstants.MS_SHARED,
        ["rshared"] = LinuxConstants.MS_SHARED | LinuxConstants.MS_REC,
        ["slave"] = LinuxConstants.MS_SLAVE,
        ["rslave"] = LinuxConstants.MS_SLAVE | LinuxConstants.MS_REC,
        ["unbindable"] = LinuxConstants.MS_UNBINDABLE,
        ["runbindable"] = LinuxConstants.MS_UNBINDABLE | LinuxConstants.MS_REC,
    };

    public bool IsBind => (Flags & LinuxConstants.MS_BIND) != 0;

    public static MountOptions Parse(IReadOnlyList<string>? options, string destination)
    {
        ulong flags = 0;
        var propagation = new List<ulong>();
        var data = new List<string>();
        foreach (var option in options ?? [])
        {
            if (FlagTable.TryGetValue(option, out var entry))
            {
                flags = entry.Clear ? flags & ~entry.Flag : flags | entry.Flag;
            }
            else if (PropagationTable.TryGetValue(option, out var change))
            {
                propagation.Add(change);
            }
            else if (option is "idmap" or "ridmap")
            {
                throw new NotSupportedException($"mount {destination}: option '{option}' (id-mapped mounts) is not supported by this engine");
            }
            else if (option.Length == 0)
            {
                throw new ContainerConfigException($"mount {destination}: an option is empty");
            }
            else
            {
                data.Add(option);
            }
        }
        return new MountOptions(flags, propagation, data.Count == 0 ? null : string.Join(',', data));
    }

    /// <summary>Parses a root propagation name (linux.rootfsPropagation) into its flags.</summary>
    public static ulong ParsePropagation(string value) =>
        PropagationTable.TryGetValue(value, out var flags)
            ? flags
            : throw new ContainerConfigException($"linux.rootfsPropagation: '{value}' is not one of {string.Join(", ", PropagationTable.Keys)}");
}
