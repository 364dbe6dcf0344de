using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Grpc.Net.Client;

namespace Kata.GuestImage.Tests.Infrastructure;

/// <summary>
/// The image's /init started the way the kernel starts it, but on the host: PID 1 of a fresh PID namespace, in fresh
/// mount, UTS and IPC namespaces (private propagation, so its mounts never reach the host), with the unpacked
/// initramfs as its root — `unshare --pid --mount --uts --ipc --fork --kill-child --root DIR /init ARGS`.
/// The agent then listens on a Unix socket inside that root instead of vsock.
/// </summary>
public sealed class InitUnderUnshare : IAsyncDisposable
{
    public const string SocketName = "agent.sock";

    private readonly Process _unshare;
    private readonly StringBuilder _output = new();

    private InitUnderUnshare(Process unshare, string root)
    {
        _unshare = unshare;
        Root = root;
    }

    public string Root { get; }
    public string SocketPath => Path.Combine(Root, SocketName);
    private Task? _exited;

    /// <summary>Completes when unshare (and so the agent) has exited.</summary>
    public Task Exited => _exited ??= _unshare.WaitForExitAsync();
    public int ExitCode => _unshare.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static InitUnderUnshare Start(string root)
    {
        var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { "--pid", "--mount", "--uts", "--ipc", "--fork", "--kill-child", "--propagation", "private",
                                       "--root", root, "/init", "--listen", "unix:/" + SocketName, "--log-level", "debug" })
        {
            info.ArgumentList.Add(arg);
        }
        var init = new InitUnderUnshare(Process.Start(info) ?? throw new InvalidOperationException("could not start unshare"), root);
        init._unshare.OutputDataReceived += (_, e) => init.Append(e.Data);
        init._unshare.ErrorDataReceived += (_, e) => init.Append(e.Data);
        init._unshare.BeginOutputReadLine();
        init._unshare.BeginErrorReadLine();
        return init;
    }

    /// <summary>The agent's pid as the host sees it (unshare's only child).</summary>
    public async Task<int> HostPidAsync()
    {
        string children = $"/proc/{_unshare.Id}/task/{_unshare.Id}/children";
        for (int attempt = 0; attempt < 600; attempt++)
        {
            string text = File.Exists(children) ? (await File.ReadAllTextAsync(children)).Trim() : "";
            if (text.Length > 0)
            {
                return int.Parse(text.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            if (_unshare.HasExited)
            {
                break;
            }
            await Task.Delay(50);
        }
        throw new InvalidOperationException($"unshare started no child; its output:\n{Output}");
    }

    /// <summary>Waits for the agent's socket to accept a connection (or the agent to end, which fails with its output).</summary>
    public async Task WaitForSocketAsync()
    {
        for (int attempt = 0; attempt < 1200 && !_unshare.HasExited; attempt++)
        {
            try
            {
                using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"the agent never listened on {SocketPath}; its output:\n{Output}");
    }

    public GrpcChannel Channel() => GrpcChannel.ForAddress("http://agent", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancel);
                return new NetworkStream(socket, ownsSocket: true);
            },
        },
    });

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_unshare.HasExited)
        {
            // --kill-child: the agent (and with it its PID namespace) goes when unshare goes.
            _unshare.Kill();
            await _unshare.WaitForExitAsync();
        }
        _unshare.Dispose();
    }
}
