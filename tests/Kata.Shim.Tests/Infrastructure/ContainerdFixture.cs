using System.Diagnostics;
using System.Text;

namespace Kata.Shim.Tests.Infrastructure;

/// <summary>
/// A real containerd (Debian's 1.6) for the shim's end-to-end tests, on its own root, state and socket, with our shim
/// on its PATH (a wrapper running the built dll), configuration.toml selecting the `process` sandbox with the built
/// agent (KATA_STYLE_CONFIG), and the busybox test image imported. Shared by the tests of one class.
/// </summary>
public sealed class ContainerdFixture : IAsyncLifetime
{
    public const string Runtime = "io.containerd.kata-style.v2";

    private readonly StringBuilder _log = new();
    private TempDirectory? _directory;
    private Process? _containerd;
    private string? _binary;
    private string? _bin;
    private string? _configurationPath;

    /// <summary>Why the tests cannot run here (null when they can).</summary>
    public string? SkipReason { get; private set; }

    public string Root => _directory!.Path;
    public string Address => _directory!.File("c.sock");
    /// <summary>Where the sandboxes keep their state (configuration.toml state_dir).</summary>
    public string SandboxStateRoot => _directory!.File("ks");

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async ValueTask InitializeAsync()
    {
        string? containerd = Executables.FindOnPath("containerd");
        if (containerd is null || Executables.FindOnPath("ctr") is null)
        {
            SkipReason = "containerd and ctr are not installed (Debian package 'containerd')";
            return;
        }
        if (Environment.UserName != "root")
        {
            SkipReason = "containerd and the process sandbox need root";
            return;
        }
        if (!File.Exists(BusyboxImage.BusyboxPath))
        {
            SkipReason = "/bin/busybox is missing (Debian package 'busybox-static'); the test image is built from it";
            return;
        }
        _directory = new TempDirectory();
        string bin = Directory.CreateDirectory(_directory.File("bin")).FullName;
        Executables.WriteShimWrapper(bin);
        string configuration = _directory.File("configuration.toml");
        await File.WriteAllTextAsync(configuration, $"""
            [runtime]
            sandbox = "process"
            debug = true
            state_dir = "{SandboxStateRoot}"

            [agent]
            command = ["{Executables.Dotnet}", "{Executables.AgentDll}"]
            """);
        await File.WriteAllTextAsync(_directory.File("config.toml"), $"""
            version = 2
            root = "{Root}/root"
            state = "{Root}/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "{Address}"
            [plugins."io.containerd.internal.v1.opt"]
              path = "{Root}/opt"
            """);
        _binary = containerd;
        _bin = bin;
        _configurationPath = configuration;
        await StartContainerdAsync();

        string archive = await BusyboxImage.WriteArchiveAsync(_directory.Path, CancellationToken.None);
        ProcessRunner.Result imported = await CtrAsync(CancellationToken.None, "images", "import", archive);
        if (imported.ExitCode != 0)
        {
            throw new InvalidOperationException($"ctr images import failed ({imported.ExitCode}):\n{imported.Output}\n{Log}");
        }
    }

    /// <summary>Kills containerd (SIGKILL) and starts it again on the same root and state; shims keep running.</summary>
    public async Task RestartAsync()
    {
        _containerd!.Kill();
        await _containerd.WaitForExitAsync();
        _containerd.Dispose();
        await StartContainerdAsync();
    }

    private async Task StartContainerdAsync()
    {
        var start = new ProcessStartInfo(_binary!, ["--config", _directory!.File("config.toml"), "--log-level", "debug"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Not the test output directory: it holds an apphost named like the shim, which must not be found.
            WorkingDirectory = Root,
        };
        // Only our wrapper and the system directories: the test host's PATH can start with the test output, which
        // holds an apphost of the shim that cannot run from there.
        start.Environment["PATH"] = _bin + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        start.Environment["KATA_STYLE_CONFIG"] = _configurationPath!;
        _containerd = Process.Start(start) ?? throw new InvalidOperationException("could not start containerd");
        _containerd.OutputDataReceived += (_, e) => Append(e.Data);
        _containerd.ErrorDataReceived += (_, e) => Append(e.Data);
        _containerd.BeginOutputReadLine();
        _containerd.BeginErrorReadLine();
        await WaitForSocketAsync();
    }

    /// <summary>Skips the calling test when containerd cannot run here.</summary>
    public void RequireContainerd()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }
    }

    public Task<ProcessRunner.Result> CtrAsync(CancellationToken cancel, params string[] arguments) =>
        ProcessRunner.RunAsync(Executables.FindOnPath("ctr")!, ["--address", Address, .. arguments], cancel: cancel);

    /// <summary>Starts a long-running ctr command (e.g. `ctr events`) with its output collected.</summary>
    public (Process Process, StringBuilder Output) StartCtr(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executables.FindOnPath("ctr")!, ["--address", Address, .. arguments])
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

    /// <summary>The bundle directory containerd made for a task (where the shim writes address, shim.pid, init.pid).</summary>
    public string BundleOf(string id) => Path.Combine(Root, "state", "io.containerd.runtime.v2.task", "default", id);

    public async ValueTask DisposeAsync()
    {
        if (_containerd is not null)
        {
            if (!_containerd.HasExited)
            {
                _containerd.Kill();
            }
            await _containerd.WaitForExitAsync();
            _containerd.Dispose();
        }
        if (_directory is not null)
        {
            foreach (int pid in Kata.Shim.Manager.DeleteCommand.ProcessesMentioning(_directory.Path))
            {
                _ = Kata.Shim.Interop.Libc.Kill(pid, 9);
            }
            _directory.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private async Task WaitForSocketAsync()
    {
        for (int attempt = 0; attempt < 300; attempt++)
        {
            if (_containerd!.HasExited)
            {
                throw new InvalidOperationException($"containerd exited with {_containerd.ExitCode}:\n{Log}");
            }
            if (File.Exists(Address + ".ttrpc") && (await CtrAsync(CancellationToken.None, "version")).ExitCode == 0)
            {
                return;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"containerd did not serve {Address} within 15 s:\n{Log}");
    }
}
