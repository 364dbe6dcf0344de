using System.Runtime.InteropServices;
using Kata.Agent.Interop;

namespace Kata.Agent.Hosting;

/// <summary>
/// An AF_VSOCK listening socket (vsock(7)), created here because .NET has no AddressFamily for it; Kestrel then
/// serves on the descriptor (<c>ListenHandle</c>). The host reaches it through the VMM's hybrid vsock Unix socket
/// with <c>CONNECT 1024\n</c>.
/// </summary>
internal static class VsockListenSocket
{
    /// <summary>Binds VMADDR_CID_ANY:<paramref name="port"/> and listens; returns the descriptor (caller owns it).</summary>
    public static unsafe int Open(uint port, int backlog = 128)
    {
        int fd = AgentLibc.Socket(AgentLibc.AfVsock, AgentLibc.SockStream | AgentLibc.SockCloexec, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException(
                $"socket(AF_VSOCK) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}); " +
                "the kernel needs CONFIG_VSOCKETS and CONFIG_VIRTIO_VSOCKETS and the VM a vsock device");
        }
        var address = new AgentLibc.SockaddrVm { Family = AgentLibc.AfVsock, Port = port, Cid = AgentLibc.VmaddrCidAny };
        if (AgentLibc.Bind(fd, &address, (uint)sizeof(AgentLibc.SockaddrVm)) != 0 || AgentLibc.Listen(fd, backlog) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            AgentLibc.Close(fd);
            throw new IOException($"binding vsock port {port} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
        return fd;
    }
}
