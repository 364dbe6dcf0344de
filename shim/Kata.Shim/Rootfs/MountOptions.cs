using Kata.Shim.Interop;

namespace Kata.Shim.Rootfs;

/// <summary>
/// A containerd mount's option list split into mount(2) flags and the filesystem's data string, with the same option
/// names as containerd's mount_linux.go parseMountOptions (ro, rw, nosuid, bind, rbind, …).
/// </summary>
public sealed record MountOptions(ulong Flags, string Data, bool Bind, bool Recursive)
{
    private static readonly Dictionary<string, (bool Clear, ulong Flag)> Known = new(StringComparer.Ordinal)
    {
        ["async"] = (true, 0),
        ["defaults"] = (false, 0),
        ["dev"] = (true, Libc.MS_NODEV),
        ["exec"] = (true, Libc.MS_NOEXEC),
        ["noatime"] = (false, Libc.MS_NOATIME),
        ["nodev"] = (false, Libc.MS_NODEV),
        ["nodiratime"] = (false, Libc.MS_NODIRATIME),
        ["noexec"] = (false, Libc.MS_NOEXEC),
        ["nosuid"] = (false, Libc.MS_NOSUID),
        ["relatime"] = (false, Libc.MS_RELATIME),
        ["ro"] = (false, Libc.MS_RDONLY),
        ["rw"] = (true, Libc.MS_RDONLY),
        ["suid"] = (true, Libc.MS_NOSUID),
    };

    public bool ReadOnly => (Flags & Libc.MS_RDONLY) != 0;

    public static MountOptions Parse(IEnumerable<string> options)
    {
        ulong flags = 0;
        bool bind = false, recursive = false;
        var data = new List<string>();
        foreach (string option in options)
        {
            if (option is "bind" or "rbind")
            {
                bind = true;
                recursive |= option == "rbind";
            }
            else if (Known.TryGetValue(option, out var known))
            {
                flags = known.Clear ? flags & ~known.Flag : flags | known.Flag;
            }
            else
            {
                data.Add(option);
            }
        }
        return new MountOptions(flags, string.Join(',', data), bind, recursive);
    }
}
