using Serilog;

namespace Kata.Sandbox;

/// <summary>
/// The `vm` sandbox: kata-style-vmm boots the guest image (build/guest/vmlinux + initramfs.cpio.gz, the agent as
/// /init) with a virtio-vsock device whose host side is a Unix socket (Firecracker's hybrid vsock), and the agent is
/// reached through <c>CONNECT 1024</c> on it. The guest console goes to console.log in the state directory and is
/// quoted in every start-up error.
/// </summary>
public sealed class VmSandbox : ISandbox
{
    /// <summary>The guest's vsock CID (any value ≥ 3; each VM has its own vsock device, so they need not differ).</summary>
    public const ulong GuestCid = 3;

    private readonly SandboxOptions _options;
    private readonly ILogger _log;
    private SandboxChildProcess? _vmm;
    private AgentConnection? _connection;
    private readonly TaskCompletionSource<string> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public VmSandbox(SandboxOptions options, ILogger log)
    {
        _options = options;
        _log = log.ForContext("sandbox", options.Id);
    }

    public string Id => _options.Id;
    public SandboxKind Kind => SandboxKind.Vm;
    public AgentConnection Connection => _connection ?? throw new InvalidOperationException($"sandbox {Id} is not started");
    public Task<string> Ended => _ended.Task;
    /// <summary>The hybrid vsock socket in the state directory (<see cref="SandboxAttach"/> finds it by this name).</summary>
    public const string VsockSocketName = "vsock.sock";

    public string VsockPath => Path.Combine(_options.StateDirectory, VsockSocketName);
    public string ConsolePath => Path.Combine(_options.StateDirectory, "console.log");

    /// <summary>Our part of the guest kernel command line (the agent is /init of the initramfs).</summary>
    public string KernelCommandLine =>
        ("console=ttyS0 reboot=k panic=1 rdinit=/init " + _options.KernelParams).Trim();

    public IReadOnlyList<string> VmmArguments =>
    [
        .. _options.Disks.SelectMany(disk => new[] { "--block", disk.VmmArgument }),
        "--kernel", _options.KernelPath!,
        "--initrd", _options.InitrdPath!,
        "--cmdline", KernelCommandLine,
        "--vcpus", _options.Vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--memory-mib", _options.MemoryMib.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--serial", ConsolePath,
        "--vsock-cid", GuestCid.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--vsock-uds", VsockPath,
        "--api-socket", Path.Combine(_options.StateDirectory, "vmm.sock"),
        "--rng",
        "--log-level", _options.Debug ? "debug" : "info",
    ];

    public async Task StartAsync(CancellationToken cancel)
    {
        CommandPrefix vmm = _options.Vmm ?? throw new SandboxStartException("the vm sandbox needs the kata-style-vmm executable (not found)");
        RequireFile(_options.KernelPath, "guest kernel", "kernel_path");
        RequireFile(_options.InitrdPath, "guest initramfs", "initrd_path");
        if (_options.Disks.FirstOrDefault(disk => !File.Exists(disk.Path)) is { } missing)
        {
            throw new SandboxStartException($"vm sandbox {Id}: disk image {missing.Path} (serial {missing.Serial}) does not exist");
        }
        Directory.CreateDirectory(_options.StateDirectory);
        _vmm = SandboxChildProcess.Start(vmm, VmmArguments, Path.Combine(_options.StateDirectory, "vmm.log"));
        _log.Information("vm sandbox: VMM pid {Pid}, console {Console}, vsock {Vsock}", _vmm.Pid, ConsolePath, VsockPath);
        _connection = AgentConnection.OverHybridVsock(VsockPath);
        _ = _vmm.Exited.ContinueWith(t => _ended.TrySetResult($"the VMM (pid {_vmm.Pid}) exited with code {t.Result}"),
            TaskScheduler.Default);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await AgentReadiness.WaitAsync(_connection, _vmm.Exited, _options.AgentTimeout, Describe, cancel);
            _log.Information("vm sandbox: agent ready {Ms} ms after the VMM started", (int)clock.Elapsed.TotalMilliseconds);
        }
        catch
        {
            await _vmm.StopAsync(TimeSpan.Zero);
            throw;
        }
    }

    private string Describe(string reason) =>
        $"vm sandbox {Id}: {reason}\n" +
        $"--- VMM log ({_vmm!.LogPath}) ---\n{_vmm.Tail(15)}\n" +
        $"--- guest console ({ConsolePath}) ---\n{LogTail.Read(ConsolePath, 30)}";

    private static void RequireFile(string? path, string what, string setting)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new SandboxStartException($"no {what} configured (set {setting} in configuration.toml)");
        }
        if (!File.Exists(path))
        {
            throw new SandboxStartException($"{what} {path} does not exist (build it with `make guest-image`, or set {setting})");
        }
    }

    public async Task StopAsync(TimeSpan grace)
    {
        if (_vmm is null)
        {
            return;
        }
        if (!_vmm.Exited.IsCompleted)
        {
            try
            {
                // The agent kills the containers and powers the guest off: the VMM then exits 0 by itself.
                await Connection.Agent.DestroySandboxAsync(new Agent.Protocol.DestroySandboxRequest(), deadline: DateTime.UtcNow + grace);
                await Task.WhenAny(_vmm.Exited, Task.Delay(grace));
            }
            catch (Grpc.Core.RpcException e)
            {
                _log.Warning("DestroySandbox failed ({Status}): stopping the VMM", e.Status.Detail);
            }
        }
        int code = await _vmm.StopAsync(grace);
        _ended.TrySetResult($"stopped (VMM exit code {code})");
    }

    public async ValueTask DisposeAsync()
    {
        if (_vmm is not null)
        {
            await _vmm.DisposeAsync();
        }
        _connection?.Dispose();
        _ended.TrySetResult("disposed");
    }
}
