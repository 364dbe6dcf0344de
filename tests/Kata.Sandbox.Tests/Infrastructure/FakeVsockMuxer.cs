using System.Net.Sockets;
using System.Text;

namespace Kata.Sandbox.Tests.Infrastructure;

/// <summary>A Unix socket server standing in for the VMM's hybrid vsock side, answering each connection with a script.</summary>
public sealed class FakeVsockMuxer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly Task _loop;

    public FakeVsockMuxer(string path, Func<Socket, string, Task> answer)
    {
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen();
        _loop = Task.Run(async () =>
        {
            while (true)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        string line = await ReadLine(client);
                        ReceivedLines.Add(line);
                        await answer(client, line);
                    }
                });
            }
        });
    }

    public System.Collections.Concurrent.ConcurrentBag<string> ReceivedLines { get; } = [];

    private static async Task<string> ReadLine(Socket socket)
    {
        var line = new StringBuilder();
        byte[] one = new byte[1];
        while (await socket.ReceiveAsync(one) == 1 && one[0] != '\n')
        {
            line.Append((char)one[0]);
        }
        return line.ToString();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
