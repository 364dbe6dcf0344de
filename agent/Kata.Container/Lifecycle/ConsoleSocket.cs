using System.Net.Sockets;
using Kata.Container.Interop;

namespace Kata.Container.Lifecycle;

/// <summary>runc's --console-socket: the pty master is sent (SCM_RIGHTS) to a Unix socket the caller listens on, and
/// the engine keeps no copy.</summary>
internal static class ConsoleSocket
{
    public static void Hand(string path, FileDescriptor master)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException exception)
        {
            throw new ContainerException($"console socket {path}: cannot connect: {exception.Message}", exception);
        }
        DescriptorPassing.Send((int)socket.SafeHandle.DangerousGetHandle(), master.Fd);
        master.Dispose();
    }
}
