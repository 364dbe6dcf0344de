using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Interop;

/// <summary>The socket(2) family of calls for AF_UNIX stream sockets (unix(7)). Every call sets errno.</summary>
internal static unsafe partial class UnixSocketCalls
{
    private const string Lib = "libc";

    public const ushort AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;

    public const int MSG_PEEK = 0x2;
    public const int MSG_DONTWAIT = 0x40;
    /// <summary>No SIGPIPE when the peer has gone: the call fails with EPIPE instead.</summary>
    public const int MSG_NOSIGNAL = 0x4000;

    public const int SHUT_WR = 1;

    public const int EPIPE = 32;
    public const int EADDRINUSE = 98;
    public const int ECONNRESET = 104;
    public const int ECONNREFUSED = 111;
    public const int EINPROGRESS = 115;

    [LibraryImport(Lib, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Lib, EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, SockAddrUn* address, int length);

    [LibraryImport(Lib, EntryPoint = "listen", SetLastError = true)]
    public static partial int Listen(int fd, int backlog);

    [LibraryImport(Lib, EntryPoint = "accept4", SetLastError = true)]
    public static partial int Accept4(int fd, void* address, void* length, int flags);

    [LibraryImport(Lib, EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, SockAddrUn* address, int length);

    [LibraryImport(Lib, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Lib, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Lib, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport(Lib, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unlink(string path);
}
