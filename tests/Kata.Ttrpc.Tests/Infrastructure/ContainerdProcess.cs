using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Kata.Ttrpc.Tests.Infrastructure;

/// <summary>
/// A real containerd (Debian's 1.6 package) started for one test on its own root, state and socket, without the CRI
/// plugin. containerd serves ttrpc on "&lt;address&gt;.ttrpc", which is where shims send events.
/// </summary>
public sealed class ContainerdProcess : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ContainerdProcess(TempDirectory directory, Process process)
    {
        _directory = directory;
        _process = process;
    }

    public string Address => _directory.File("c.sock");

    public string TtrpcAddress => Address + ".ttrpc";

    /// <summary>containerd's log so far, for failure messages.</summary>
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

    /// <summary>The path of a program on PATH, or null.</summary>
    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    /// <summary>Starts containerd, or skips the test when it is not installed (apt-get install containerd).</summary>
    public static async Task<ContainerdProcess> StartAsync()
    {
        string? binary = FindOnPath("containerd");
        if (binary is null || FindOnPath("ctr") is null)
        {
            Assert.Skip("containerd and ctr are not installed (Debian package 'containerd'); the interop test needs a real ttrpc peer");
        }

        if (Environment.UserName != "root")
        {
            Assert.Skip("containerd needs root");
        }

        var directory = new TempDirectory();
        string root = directory.Path;
        await File.WriteAllTextAsync(directory.File("config.toml"), $"""
            version = 2
            root = "{root}/root"
            state = "{root}/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "{root}/c.sock"
            [plugins."io.containerd.internal.v1.opt"]
              path = "{root}/opt"
            """, TestContext.Current.CancellationToken);

        var start = new ProcessStartInfo(binary, ["--config", directory.File("config.toml")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        var containerd = new ContainerdProcess(directory, process);
        process.OutputDataReceived += (_, e) => containerd.Append(e.Data);
        process.ErrorDataReceived += (_, e) => containerd.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await containerd.WaitForTtrpcAsync();
        return containerd;
    }

    /// <summary>Starts a ctr subcommand against this containerd with its output collected.</summary>
    public (Process Process, StringBuilder Output) StartCtr(params string[] arguments)
    {
        var start = new ProcessStartInfo(FindOnPath("ctr")!, ["--address", Address, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start ctr");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        _process.Dispose();
        _directory.Dispose();
    }

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

    /// <summary>Waits (bounded) until the ttrpc socket accepts connections.</summary>
    private async Task WaitForTtrpcAsync()
    {
        for (int attempt = 0; attempt < 300; attempt++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"containerd exited with {_process.ExitCode}:\n{Output}");
            }

            if (File.Exists(TtrpcAddress))
            {
                using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await probe.ConnectAsync(new UnixDomainSocketEndPoint(TtrpcAddress), TestContext.Current.CancellationToken);
                    return;
                }
                catch (SocketException)
                {
                    // Bound but not listening yet.
                }
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"containerd did not serve {TtrpcAddress} within 15 s:\n{Output}");
    }
}
