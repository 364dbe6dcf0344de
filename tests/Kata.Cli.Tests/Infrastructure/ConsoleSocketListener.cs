using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Kata.Cli.Tests.Infrastructure;

/// <summary>The receiving end of --console-socket, as a runc user would write it: accept, recvmsg, take the SCM_RIGHTS fd.</summary>
public sealed partial class ConsoleSocketListener : IDisposable
{
    private readonly Socket _listener;

    public ConsoleSocketListener(string path)
    {
        Path = path;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
    }

    public string Path { get; }

    /// <summary>Accepts one connection and returns the terminal name sent as text and the received master fd.</summary>
    public async Task<(string Name, SafeFileHandle Master)> ReceiveAsync()
    {
        using Socket connection = await _listener.AcceptAsync(TestContext.Current.CancellationToken);
        return Receive(connection);
    }

    private static unsafe (string Name, SafeFileHandle Master) Receive(Socket connection)
    {
        byte* data = stackalloc byte[256];
        byte* control = stackalloc byte[64];
        var vector = new IoVec { Base = data, Length = 256 };
        var message = new MsgHdr { Iov = &vector, IovLength = 1, Control = control, ControlLength = 64 };
        nint received = RecvMsg(connection.Handle, &message, 0);
        Assert.True(received > 0, $"recvmsg failed: errno {Marshal.GetLastPInvokeError()}");
        // struct cmsghdr: len (8), level (4), type (4), then the fd.
        Assert.Equal(1, *(int*)(control + 8));   // SOL_SOCKET
        Assert.Equal(1, *(int*)(control + 12));  // SCM_RIGHTS
        int fd = *(int*)(control + 16);
        return (Encoding.UTF8.GetString(data, (int)received), new SafeFileHandle(fd, ownsHandle: true));
    }

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static unsafe partial nint RecvMsg(nint socket, MsgHdr* message, int flags);

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    public void Dispose()
    {
        _listener.Dispose();
        File.Delete(Path);
    }
}
