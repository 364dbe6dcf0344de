using Grpc.Core;
using Kata.Agent.Containers;
using Kata.Agent.Hosting;
using Microsoft.Extensions.Hosting;
using Kata.Agent.Interop;
using Kata.Agent.Protocol;

namespace Kata.Agent.Services;

/// <summary>
/// The AgentService (agent.proto). Guest-level calls live here; container and process calls go to the engine.
/// Errors become gRPC status codes only here, at the service boundary.
/// </summary>
public sealed partial class AgentServiceImpl : AgentService.AgentServiceBase
{
    private readonly AgentOptions _options;
    private readonly ContainerRegistry _containers;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly Serilog.ILogger _log;

    public AgentServiceImpl(AgentOptions options, ContainerRegistry containers, IHostApplicationLifetime lifetime, Serilog.ILogger log)
    {
        _options = options;
        _containers = containers;
        _lifetime = lifetime;
        _log = log.ForContext<AgentServiceImpl>();
    }

    public override Task<Google.Protobuf.WellKnownTypes.Empty> CreateSandbox(CreateSandboxRequest request, ServerCallContext context)
    {
        if (_options.IsGuestInit)
        {
            // The guest is the pod: its hostname and DNS are the pod's (the host's are not ours to change).
            if (!string.IsNullOrEmpty(request.Hostname))
            {
                File.WriteAllText("/proc/sys/kernel/hostname", request.Hostname);
            }
            if (request.Dns.Count > 0)
            {
                Directory.CreateDirectory("/etc");
                File.WriteAllLines("/etc/resolv.conf", request.Dns);
            }
        }
        foreach (Storage storage in request.Storages)
        {
            StorageMounter.Mount(storage);
        }
        _log.Information("sandbox {SandboxId} created", request.SandboxId);
        return Task.FromResult(new Google.Protobuf.WellKnownTypes.Empty());
    }

    public override Task<Google.Protobuf.WellKnownTypes.Empty> DestroySandbox(DestroySandboxRequest request, ServerCallContext context)
    {
        _log.Information("destroying the sandbox: removing {Count} container(s)", _containers.All.Count);
        _containers.Dispose();
        // Answer first, then stop serving; as the guest's init the agent then powers the VM off.
        _ = Task.Delay(TimeSpan.FromMilliseconds(100)).ContinueWith(_ => _lifetime.StopApplication(), TaskScheduler.Default);
        return Task.FromResult(new Google.Protobuf.WellKnownTypes.Empty());
    }

    public override Task<GuestDetailsResponse> GetGuestDetails(GuestDetailsRequest request, ServerCallContext context)
    {
        var details = new GuestDetailsResponse
        {
            KernelRelease = File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
            MemoryBytes = ReadMemTotalBytes(),
            Cpus = (uint)Environment.ProcessorCount,
            CgroupVersion = DetectCgroupVersion(),
            AgentVersion = HealthService.AgentVersion,
            IsVmGuest = _options.IsGuestInit,
        };
        return Task.FromResult(details);
    }

    public override unsafe Task<Google.Protobuf.WellKnownTypes.Empty> SetGuestDateTime(SetGuestDateTimeRequest request, ServerCallContext context)
    {
        if (!_options.IsGuestInit)
        {
            // The host's clock is not ours to set from a container runtime.
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "SetGuestDateTime: only the guest's init sets the clock (the agent runs on the host)"));
        }
        if (request.Usec is < 0 or >= 1_000_000 || request.Sec < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"SetGuestDateTime: bad time sec={request.Sec} usec={request.Usec}"));
        }
        var time = new AgentLibc.Timespec { Seconds = request.Sec, Nanoseconds = request.Usec * 1000 };
        if (AgentLibc.ClockSetTime(AgentLibc.ClockRealtime, &time) != 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            throw new RpcException(new Status(StatusCode.Internal, $"clock_settime: errno {errno}"));
        }
        _log.Information("guest clock set to {Time:o}", DateTimeOffset.FromUnixTimeSeconds(request.Sec));
        return Task.FromResult(new Google.Protobuf.WellKnownTypes.Empty());
    }

    private static ulong ReadMemTotalBytes()
    {
        foreach (string line in File.ReadLines("/proc/meminfo"))
        {
            // "MemTotal:       24576000 kB"
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return ulong.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    private static string DetectCgroupVersion()
    {
        if (File.Exists("/sys/fs/cgroup/cgroup.controllers"))
        {
            return "v2";
        }
        return File.Exists("/sys/fs/cgroup/unified/cgroup.controllers") ? "hybrid" : "v1";
    }
}
