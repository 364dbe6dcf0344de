using System.Runtime.InteropServices;

namespace Kata.Container.Cgroups.Interop;

/// <summary><c>struct statfs</c> on x86_64 (statfs(2)); only <see cref="Type"/> is used.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct StatFs
{
    public long Type;
    public long BlockSize;
    public ulong Blocks;
    public ulong BlocksFree;
    public ulong BlocksAvailable;
    public ulong Files;
    public ulong FilesFree;
    public ulong FileSystemId;
    public long NameLength;
    public long FragmentSize;
    public long Flags;
    public fixed long Spare[4];
}
