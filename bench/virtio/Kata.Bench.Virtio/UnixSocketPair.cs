using System.Net.Sockets;

namespace Kata.Bench.Virtio;

/// <summary>Two connected stream sockets, as socketpair(AF_UNIX, SOCK_STREAM) gives (the direct path the muxer is measured against).</summary>
internal sealed class UnixSocketPair : IDisposable
{
    private readonly string _directory;

    public UnixSocketPair()
    {
        _directory = Path.Combine(Path.GetTempPath(), "kbp-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_directory);
        var endPoint = new UnixDomainSocketEndPoint(Path.Combine(_directory, "p.sock"));
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(endPoint);
        listener.Listen(1);
        Left = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        Left.Connect(endPoint);
        Right = listener.Accept();
    }

    public Socket Left { get; }
    public Socket Right { get; }

    public void Dispose()
    {
        Left.Dispose();
        Right.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
