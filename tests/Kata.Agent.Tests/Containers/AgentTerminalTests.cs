using Google.Protobuf;
using Grpc.Core;
using Kata.Agent.Protocol;
using Kata.Agent.Tests.Infrastructure;

namespace Kata.Agent.Tests.Containers;

/// <summary>process.terminal through the real agent: the agent holds the pty master, ReadStdout carries the terminal,
/// WriteStdin types into it, CloseStdin is ^D, TtyWinResize is TIOCSWINSZ (real namespaces and devpts, as root).</summary>
public sealed class AgentTerminalTests : RunningAgentTests
{
    private Task CreateTtyAsync(string id, string[] args, uint rows = 0, uint columns = 0) =>
        Client.CreateContainerAsync(new CreateContainerRequest
        {
            ContainerId = id,
            // The spec says terminal: false; the host's StdioConfig asks for one, as the shim does for `ctr run --tty`.
            OciSpecJson = ByteString.CopyFromUtf8(Rootfs.SpecJson(args)),
            Stdio = new StdioConfig { Terminal = true, Stdin = true, ConsoleRows = rows, ConsoleCols = columns },
        }, cancellationToken: Cancel).ResponseAsync;

    private Task WriteAsync(string id, string text, string execId = "") =>
        Client.WriteStdinAsync(new WriteStreamRequest { ContainerId = id, ExecId = execId, Data = ByteString.CopyFromUtf8(text) }, cancellationToken: Cancel).ResponseAsync;

    [Fact]
    public async Task TtyContainer_SeesAPts_ItsSizeFollowsTtyWinResize_AndStdinReachesIt()
    {
        await CreateTtyAsync("tty", ["sh", "-c", "tty; stty size; read line; echo got:$line; echo oops >&2; exit 3"], rows: 24, columns: 80);
        await Client.TtyWinResizeAsync(new TtyWinResizeRequest { ContainerId = "tty", Row = 40, Column = 100 }, cancellationToken: Cancel);
        await Client.StartContainerAsync(new StartContainerRequest { ContainerId = "tty" }, cancellationToken: Cancel);

        await WriteAsync("tty", "ping\n");
        string output = await ReadAllStdoutAsync("tty");
        ReadStreamResponse stderr = await Client.ReadStderrAsync(new ReadStreamRequest { ContainerId = "tty", Len = 100 }, cancellationToken: Cancel);
        int status = await WaitAsync("tty");

        Assert.Matches(@"(^|\n)/dev/pts/\d+\n", output);
        Assert.Contains("40 100\n", output, StringComparison.Ordinal);
        Assert.Contains("got:ping\n", output, StringComparison.Ordinal);
        // One terminal, one stream: what the process wrote to fd 2 came through stdout, and stderr is at EOF, empty.
        Assert.Contains("oops\n", output, StringComparison.Ordinal);
        Assert.True(stderr.Eof);
        Assert.True(stderr.Data.IsEmpty);
        Assert.Equal(3, status);
        await Client.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = "tty" }, cancellationToken: Cancel);
    }

    [Fact]
    public async Task TtyContainer_InitialSizeComesFromTheStdioConfig()
    {
        await CreateTtyAsync("size", ["stty", "size"], rows: 33, columns: 77);
        await Client.StartContainerAsync(new StartContainerRequest { ContainerId = "size" }, cancellationToken: Cancel);

        Assert.Equal("33 77\n", await ReadAllStdoutAsync("size"));
        Assert.Equal(0, await WaitAsync("size"));
    }

    [Fact]
    public async Task TtyProcessThatExitsAtOnce_LosesNoOutput()
    {
        string script = "i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done";
        await CreateTtyAsync("fast", ["sh", "-c", script]);
        await Client.StartContainerAsync(new StartContainerRequest { ContainerId = "fast" }, cancellationToken: Cancel);

        int status = await WaitAsync("fast");
        string output = await ReadAllStdoutAsync("fast");

        Assert.Equal(0, status);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2000, lines.Length);
        Assert.Equal("line-1999", lines[^1]);
        // -onlcr, as runc's ptys: the client's own terminal turns "\n" into "\r\n".
        Assert.DoesNotContain('\r', output);
    }

    [Fact]
    public async Task ExecWithTerminal_GetsItsOwnPts_AndCloseStdinIsEndOfFile_EvenAfterAPartialLine()
    {
        await Client.CreateContainerAsync(new CreateContainerRequest
        {
            ContainerId = "host",
            OciSpecJson = ByteString.CopyFromUtf8(Rootfs.SpecJson("sleep", "300")),
        }, cancellationToken: Cancel);
        await Client.StartContainerAsync(new StartContainerRequest { ContainerId = "host" }, cancellationToken: Cancel);

        await Client.ExecProcessAsync(new ExecProcessRequest
        {
            ContainerId = "host",
            ExecId = "shell",
            OciProcessJson = ByteString.CopyFromUtf8(BusyboxRootfs.ProcessJson("sh", "-c", "tty; stty size; cat; echo cat-ended")),
            Stdio = new StdioConfig { Terminal = true, Stdin = true, ConsoleRows = 50, ConsoleCols = 132 },
        }, cancellationToken: Cancel);
        await WriteAsync("host", "first line\n", "shell");
        await WriteAsync("host", "partial", "shell");
        await Client.CloseStdinAsync(new CloseStdinRequest { ContainerId = "host", ExecId = "shell" }, cancellationToken: Cancel);
        string output = await ReadAllStdoutAsync("host", "shell");
        int status = await WaitAsync("host", "shell");

        Assert.Matches(@"(^|\n)/dev/pts/\d+\n", output);
        Assert.Contains("50 132\n", output, StringComparison.Ordinal);
        Assert.Contains("first line\n", output, StringComparison.Ordinal);
        Assert.Contains("cat-ended\n", output, StringComparison.Ordinal);
        Assert.Equal(0, status);
        // The container's init has no terminal.
        var noTerminal = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.TtyWinResizeAsync(new TtyWinResizeRequest { ContainerId = "host", Row = 10, Column = 10 }, cancellationToken: Cancel));
        Assert.Equal(StatusCode.FailedPrecondition, noTerminal.StatusCode);
        Assert.Contains("has no terminal", noTerminal.Status.Detail, StringComparison.Ordinal);
        await Client.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = "host", Timeout = 1 }, cancellationToken: Cancel);
    }

    [Fact]
    public async Task TtyWinResize_BadRequests_AreClearErrors()
    {
        var unknown = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.TtyWinResizeAsync(new TtyWinResizeRequest { ContainerId = "nope", Row = 10, Column = 10 }, cancellationToken: Cancel));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        await CreateTtyAsync("sized", ["true"]);
        var tooLarge = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.TtyWinResizeAsync(new TtyWinResizeRequest { ContainerId = "sized", Row = 70_000, Column = 80 }, cancellationToken: Cancel));
        Assert.Equal(StatusCode.InvalidArgument, tooLarge.StatusCode);
        Assert.Contains("rows and columns must be 0..65535", tooLarge.Status.Detail, StringComparison.Ordinal);
        var unknownExec = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.TtyWinResizeAsync(new TtyWinResizeRequest { ContainerId = "sized", ExecId = "x", Row = 10, Column = 10 }, cancellationToken: Cancel));
        Assert.Equal(StatusCode.NotFound, unknownExec.StatusCode);
        await Client.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = "sized" }, cancellationToken: Cancel);
    }
}
