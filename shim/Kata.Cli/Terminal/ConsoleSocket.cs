using System.Net.Sockets;
using System.Text;
using Kata.Cli.Interop;
using Microsoft.Win32.SafeHandles;

namespace Kata.Cli.Terminal;

/// <summary>
/// The --console-socket hand-over, as runc does it (runc docs/terminals.md, utils.SendFd): connect to the Unix
/// socket, send one message whose text is the terminal's name and whose SCM_RIGHTS ancillary data (unix(7)) carries
/// the pty master; the receiver then owns the container's console.
/// </summary>
public static unsafe class ConsoleSocket
{
    public static void SendMaster(string socketPath, SafeFileHandle master, string name)
    {
        if (!File.Exists(socketPath))
        {
            throw new CliException($"--console-socket {socketPath}: no such socket");
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e)
        {
            throw new CliException($"--console-socket {socketPath}: cannot connect: {e.Message}", e);
        }
        byte[] text = Encoding.UTF8.GetBytes(name);
        // CMSG_SPACE(sizeof(int)) = 16-byte header + 4 bytes, aligned to 8 = 24; CMSG_LEN(sizeof(int)) = 20.
        byte* control = stackalloc byte[24];
        new Span<byte>(control, 24).Clear();
        *(nuint*)control = 20;
        *(int*)(control + 8) = CliLibc.SolSocket;
        *(int*)(control + 12) = CliLibc.ScmRights;
        *(int*)(control + 16) = (int)master.DangerousGetHandle();
        fixed (byte* data = text)
        {
            var vector = new IoVector { Base = data, Length = (nuint)text.Length };
            var message = new MessageHeader { Iov = &vector, IovLength = 1, Control = control, ControlLength = 24 };
            if (CliLibc.SendMsg(socket.Handle, &message, 0) < 0)
            {
                throw Errno.Exception($"sendmsg to console socket {socketPath}");
            }
        }
    }
}
