using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Grpc.Net.Client;
using Kata.Agent.Hosting;

namespace Kata.Agent.Tests.Infrastructure;

/// <summary>A real kata-style-agent process (the built executable under dotnet), as the `process` sandbox starts it.</summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AgentProcess(Process process) => _process = process;

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

    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the agent with <paramref name="args"/>; does not wait for it to serve.</summary>
    public static AgentProcess Start(params string[] args)
    {
        string agentDll = typeof(AgentApplication).Assembly.Location;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(agentDll);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        var agent = new AgentProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start the agent"));
        agent._process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        agent._process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        agent._process.BeginOutputReadLine();
        agent._process.BeginErrorReadLine();
        return agent;
    }

    /// <summary>Waits until the agent logs that it serves (or exits, which fails with its output).</summary>
    public async Task WaitUntilServingAsync()
    {
        Task exited = _process.WaitForExitAsync();
        Task first = await Task.WhenAny(_serving.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != _serving.Task)
        {
            throw new InvalidOperationException($"the agent did not start serving; its output:\n{Output}");
        }
    }

    public Task<int> WaitForExitAsync() => _process.WaitForExitAsync().ContinueWith(_ => _process.ExitCode);

    /// <summary>A gRPC channel over the agent's Unix socket.</summary>
    public static GrpcChannel ChannelFor(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancel);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return GrpcChannel.ForAddress("http://agent", new GrpcChannelOptions { HttpHandler = handler });
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (line.Contains("serving on", StringComparison.Ordinal))
        {
            _serving.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
