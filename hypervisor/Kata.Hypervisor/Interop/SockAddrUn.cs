using System.Runtime.InteropServices;
using System.Text;

namespace Kata.Hypervisor.Interop;

/// <summary><c>struct sockaddr_un</c> (unix(7)): the family and a NUL-terminated path of at most 107 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockAddrUn
{
    /// <summary>sizeof(sun_path).</summary>
    public const int PathCapacity = 108;

    public ushort Family;
    public fixed byte Path[PathCapacity];

    /// <summary>The longest path (in UTF-8 bytes) that fits with its terminating NUL.</summary>
    public const int MaxPathBytes = PathCapacity - 1;

    /// <summary>Builds the address of <paramref name="path"/>; false when it is empty or too long.</summary>
    public static bool TryCreate(string path, out SockAddrUn address, out int length)
    {
        address = default;
        length = 0;
        int bytes = Encoding.UTF8.GetByteCount(path);
        if (bytes == 0 || bytes > MaxPathBytes || path.Contains('\0'))
        {
            return false;
        }
        address.Family = UnixSocketCalls.AF_UNIX;
        fixed (byte* destination = address.Path)
        {
            Encoding.UTF8.GetBytes(path, new Span<byte>(destination, PathCapacity));
        }
        length = sizeof(ushort) + bytes + 1;
        return true;
    }
}
