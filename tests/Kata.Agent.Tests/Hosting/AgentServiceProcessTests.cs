using Grpc.Core;
using Grpc.Net.Client;
using Kata.Agent.Protocol;
using Kata.Agent.Tests.Infrastructure;

namespace Kata.Agent.Tests.Hosting;

/// <summary>The agent started as a real host process (as the `process` sandbox starts it), spoken to over its Unix socket.</summary>
public class AgentServiceProcessTests
{
    [Fact]
    public async Task Health_AnswersServingAndVersion_OverTheUnixSocket()
    {
        using var scratch = new ScratchDirectory();
        string socket = Path.Combine(scratch.Path, "agent.sock");
        await using var agent = AgentProcess.Start("--listen", $"unix:{socket}");
        await agent.WaitUntilServingAsync();
        using GrpcChannel channel = AgentProcess.ChannelFor(socket);
        var health = new Health.HealthClient(channel);

        HealthCheckResponse check = await health.CheckAsync(new CheckRequest(), cancellationToken: TestContext.Current.CancellationToken);
        VersionCheckResponse version = await health.VersionAsync(new CheckRequest(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, check.Status);
        Assert.Matches(@"^\d+\.\d+\.\d+$", version.AgentVersion);
        Assert.Equal("katastyle.agent.v1", version.GrpcVersion);
    }

    [Fact]
    public async Task GetGuestDetails_OnTheHost_ReportsThisHostAndNotAVm()
    {
        using var scratch = new ScratchDirectory();
        string socket = Path.Combine(scratch.Path, "agent.sock");
        await using var agent = AgentProcess.Start("--listen", $"unix:{socket}");
        await agent.WaitUntilServingAsync();
        var client = new AgentService.AgentServiceClient(AgentProcess.ChannelFor(socket));

        GuestDetailsResponse details = await client.GetGuestDetailsAsync(new GuestDetailsRequest(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(details.IsVmGuest);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), details.KernelRelease);
        Assert.Equal((uint)Environment.ProcessorCount, details.Cpus);
        Assert.True(details.MemoryBytes > 0);
        string expectedCgroup = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "v2"
            : File.Exists("/sys/fs/cgroup/unified/cgroup.controllers") ? "hybrid" : "v1";
        Assert.Equal(expectedCgroup, details.CgroupVersion);
    }

    [Fact]
    public async Task SetGuestDateTime_OnTheHost_IsRefusedAndTheClockIsUntouched()
    {
        using var scratch = new ScratchDirectory();
        string socket = Path.Combine(scratch.Path, "agent.sock");
        await using var agent = AgentProcess.Start("--listen", $"unix:{socket}");
        await agent.WaitUntilServingAsync();
        var client = new AgentService.AgentServiceClient(AgentProcess.ChannelFor(socket));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.SetGuestDateTimeAsync(new SetGuestDateTimeRequest { Sec = 86_400 }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.True(DateTimeOffset.UtcNow.Year >= 2025, "the host clock was changed");
    }

    [Fact]
    public async Task StaleSocketFile_FromADeadAgent_IsReplaced()
    {
        using var scratch = new ScratchDirectory();
        string socket = Path.Combine(scratch.Path, "agent.sock");
        await File.WriteAllTextAsync(socket, "left behind", TestContext.Current.CancellationToken);
        await using var agent = AgentProcess.Start("--listen", $"unix:{socket}");
        await agent.WaitUntilServingAsync();

        var health = new Health.HealthClient(AgentProcess.ChannelFor(socket));
        HealthCheckResponse check = await health.CheckAsync(new CheckRequest(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, check.Status);
    }

    [Theory]
    [InlineData(new[] { "--listen", "tcp:1234" }, "expected unix:PATH or vsock:PORT")]
    [InlineData(new[] { "--listen", "unix:relative.sock" }, "must be absolute")]
    [InlineData(new[] { "--listen", "vsock:port" }, "is not a vsock port number")]
    [InlineData(new string[0], "--listen is required")]
    [InlineData(new[] { "--bogus" }, "unknown argument --bogus")]
    [InlineData(new[] { "--listen" }, "--listen needs a value")]
    public async Task BadCommandLine_ExitsWithUsageError(string[] args, string message)
    {
        await using var agent = AgentProcess.Start(args);
        int exitCode = await agent.WaitForExitAsync();

        Assert.Equal(2, exitCode);
        Assert.Contains(message, agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VsockListener_BindsThePortAndServes()
    {
        if (!File.Exists("/dev/vsock"))
        {
            Assert.Skip("no /dev/vsock on this host (the vsock transport is not loaded)");
        }
        // The host has no vsock loopback transport here, so a connection cannot be made from this side;
        // what is checked is that Kestrel serves on the AF_VSOCK descriptor the agent creates.
        uint port = 40_000 + (uint)Random.Shared.Next(10_000);
        await using var agent = AgentProcess.Start("--listen", $"vsock:{port}");
        await agent.WaitUntilServingAsync();

        Assert.False(agent.HasExited, agent.Output);
        Assert.Contains($"serving on vsock:{port}", agent.Output, StringComparison.Ordinal);
    }
}
