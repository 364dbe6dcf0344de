using System.Net.Sockets;
using System.Text;

namespace Kata.Sandbox;

/// <summary>
/// The host side of Firecracker's hybrid vsock: connect to the VMM's Unix socket, send <c>CONNECT &lt;port&gt;\n</c>,
/// and read <c>OK &lt;hostport&gt;\n</c>; after that the socket is a byte stream to the guest's listener on that port.
/// (Firecracker docs/vsock.md, "Host-Initiated Connections".)
/// </summary>
public static class HybridVsockConnector
{
    /// <summary>The longest reply line we accept ("OK 4294967295\n" is 14 bytes).</summary>
    private const int MaxReplyBytes = 64;

    public static async Task<Stream> ConnectAsync(string udsPath, uint port, CancellationToken cancel)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(udsPath), cancel);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT {port}\n"), SocketFlags.None, cancel);
            string reply = await ReadLineAsync(socket, cancel);
            if (!reply.StartsWith("OK ", StringComparison.Ordinal) || !uint.TryParse(reply.AsSpan(3), out _))
            {
                throw new IOException($"hybrid vsock {udsPath}: CONNECT {port} answered \"{reply}\" instead of \"OK <port>\"");
            }
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads one byte at a time up to '\n', so nothing of the guest's stream after the reply is consumed.</summary>
    private static async Task<string> ReadLineAsync(Socket socket, CancellationToken cancel)
    {
        var line = new StringBuilder();
        byte[] one = new byte[1];
        while (true)
        {
            int read = await socket.ReceiveAsync(one, SocketFlags.None, cancel);
            if (read == 0)
            {
                throw new IOException(line.Length == 0
                    ? "hybrid vsock: the VMM closed the connection (no listener on that port in the guest yet)"
                    : $"hybrid vsock: connection closed in the middle of the reply \"{line}\"");
            }
            if (one[0] == (byte)'\n')
            {
                return line.ToString();
            }
            if (line.Length >= MaxReplyBytes)
            {
                throw new IOException($"hybrid vsock: reply longer than {MaxReplyBytes} bytes without a newline");
            }
            line.Append((char)one[0]);
        }
    }
}
