using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Kata.Hypervisor.Tests.Api;

/// <summary>A bare socket speaking the control API by hand, to send what <c>ControlApiClient</c> never would.</summary>
internal sealed class RawApiConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private RawApiConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new StreamReader(_stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, leaveOpen: true);
    }

    public Socket Socket => _socket;

    public static async Task<RawApiConnection> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), TestContext.Current.CancellationToken);
        return new RawApiConnection(socket);
    }

    public async Task SendAsync(string text) =>
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text), TestContext.Current.CancellationToken);

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes, TestContext.Current.CancellationToken);

    /// <summary>The next response line, or null at end of stream.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(10));
        return await _reader.ReadLineAsync(cts.Token);
    }

    public async Task<JsonElement> RequestAsync(string line)
    {
        await SendAsync(line + "\n");
        string? response = await ReadLineAsync();
        Assert.NotNull(response);
        return JsonDocument.Parse(response).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync();
    }
}
