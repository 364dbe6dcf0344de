using System.Text;
using Kata.Agent.Protocol;

namespace Kata.Agent.Tests.Infrastructure;

/// <summary>
/// Base of the test classes that drive containers through a real agent process (as the `process` sandbox runs it):
/// one agent per test on a Unix socket in a scratch directory, a busybox rootfs, and the stream helpers they share.
/// </summary>
public abstract class RunningAgentTests : IAsyncLifetime
{
    protected ScratchDirectory Scratch { get; } = new();
    protected BusyboxRootfs Rootfs { get; } = new();
    protected AgentProcess Agent { get; private set; } = null!;
    protected AgentService.AgentServiceClient Client { get; private set; } = null!;

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("containers need root");
        }
        string socket = Path.Combine(Scratch.Path, "agent.sock");
        Agent = AgentProcess.Start("--listen", $"unix:{socket}", "--state-dir", Path.Combine(Scratch.Path, "state"));
        await Agent.WaitUntilServingAsync();
        Client = new AgentService.AgentServiceClient(AgentProcess.ChannelFor(socket));
    }

    public async ValueTask DisposeAsync()
    {
        if (Agent is not null)
        {
            await Agent.DisposeAsync();
        }
        Rootfs.Dispose();
        Scratch.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>ReadStdout until end of stream.</summary>
    protected async Task<string> ReadAllStdoutAsync(string id, string execId = "")
    {
        var output = new StringBuilder();
        while (true)
        {
            ReadStreamResponse chunk = await Client.ReadStdoutAsync(new ReadStreamRequest { ContainerId = id, ExecId = execId, Len = 4096 }, cancellationToken: Cancel);
            if (chunk.Eof)
            {
                return output.ToString();
            }
            output.Append(chunk.Data.ToStringUtf8());
        }
    }

    protected async Task<int> WaitAsync(string id, string execId = "") =>
        (await Client.WaitProcessAsync(new WaitProcessRequest { ContainerId = id, ExecId = execId }, cancellationToken: Cancel)).Status;
}
