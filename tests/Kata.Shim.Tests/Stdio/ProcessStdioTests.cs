using Kata.Shim.Processes;
using Kata.Shim.Stdio;
using Kata.Shim.Tests.Infrastructure;

namespace Kata.Shim.Tests.Stdio;

public sealed class ProcessStdioTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task File_uris_receive_every_chunk_until_eof()
    {
        string stdout = _directory.File("out.log");
        string stderr = _directory.File("err.log");
        var streams = new FakeProcessStreams(Enumerable.Range(0, 500).Select(i => $"line{i}\n"), ["oops\n"]);
        ProcessStdio stdio = await ProcessStdio.OpenAsync(new StdioPaths("", $"file://{stdout}", $"file://{stderr}", false),
            streams, "c1", "default", Serilog.Core.Logger.None, Cancel);
        stdio.Start();
        await stdio.OutputCompleted.WaitAsync(Cancel);

        string[] lines = await File.ReadAllLinesAsync(stdout, Cancel);
        Assert.Equal(500, lines.Length);
        Assert.Equal("line499", lines[^1]);
        Assert.Equal("oops\n", await File.ReadAllTextAsync(stderr, Cancel));
    }

    [Fact]
    public async Task Output_without_a_target_is_drained_so_the_process_never_blocks()
    {
        var streams = new FakeProcessStreams(["a", "b", "c"], ["d"]);
        ProcessStdio stdio = await ProcessStdio.OpenAsync(new StdioPaths("", "", "", false), streams, "c1", "default",
            Serilog.Core.Logger.None, Cancel);
        stdio.Start();
        await stdio.OutputCompleted.WaitAsync(Cancel);
        Assert.Equal((ReadOnlyMemory<byte>.Empty, true), await streams.ReadAsync(stderr: false, Cancel));
    }

    [Fact]
    public async Task Stdin_is_copied_from_its_fifo_and_closed_at_eof()
    {
        string fifo = _directory.File("stdin");
        Assert.Equal(0, Mkfifo(fifo, 0b110_000_000));
        var streams = new FakeProcessStreams([], []);
        ProcessStdio stdio = await ProcessStdio.OpenAsync(new StdioPaths(fifo, "", "", false), streams, "c1", "default",
            Serilog.Core.Logger.None, Cancel);
        stdio.Start();
        // containerd's side: open for writing (blocks until the shim's reader is there), write, close.
        await using (var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write))
        {
            await writer.WriteAsync("hello stdin\n"u8.ToArray(), Cancel);
        }
        await stdio.StdinCompleted.WaitAsync(Cancel);
        Assert.True(streams.StdinClosed);
        Assert.Equal("hello stdin\n", System.Text.Encoding.UTF8.GetString(streams.Stdin.ToArray()));
    }

    [Fact]
    public async Task An_unknown_uri_scheme_is_refused()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => ProcessStdio.OpenAsync(new StdioPaths("", "tcp://x:1", "", false),
            new FakeProcessStreams([], []), "c1", "default", Serilog.Core.Logger.None, Cancel));
        Assert.Contains("tcp://x:1: unsupported scheme", error.Message);
    }

    [Fact]
    public void Binary_uris_become_the_program_and_its_arguments()
    {
        Assert.Equal(["/usr/bin/logger", "--tag", "web", "-v"], BinaryLogger.CommandOf(new Uri("binary:///usr/bin/logger?--tag=web&-v")));
        Assert.Throws<ArgumentException>(() => BinaryLogger.CommandOf(new Uri("file:///x")));
    }

    [Fact]
    public async Task A_binary_logger_gets_the_output_on_fds_3_and_4_after_it_closed_fd_5()
    {
        string logger = _directory.File("logger.sh");
        string captured = _directory.File("captured");
        await File.WriteAllTextAsync(logger, $"#!/bin/sh\nexec 5>&-\ncat <&3 > {captured}.out\ncat <&4 > {captured}.err\necho \"$CONTAINER_ID $CONTAINER_NAMESPACE $1\" > {captured}.env\n", Cancel);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("binary:// loggers are a Linux feature");
        }
        File.SetUnixFileMode(logger, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var streams = new FakeProcessStreams(["to stdout\n"], ["to stderr\n"]);
        ProcessStdio stdio = await ProcessStdio.OpenAsync(new StdioPaths("", $"binary://{logger}?arg1", $"binary://{logger}?arg1", false),
            streams, "c9", "ns9", Serilog.Core.Logger.None, Cancel);
        stdio.Start();
        await stdio.OutputCompleted.WaitAsync(Cancel);
        for (int attempt = 0; attempt < 200 && !File.Exists(captured + ".env"); attempt++)
        {
            await Task.Delay(25, Cancel);
        }
        Assert.Equal("to stdout\n", await File.ReadAllTextAsync(captured + ".out", Cancel));
        Assert.Equal("to stderr\n", await File.ReadAllTextAsync(captured + ".err", Cancel));
        Assert.Equal("c9 ns9 arg1\n", await File.ReadAllTextAsync(captured + ".env", Cancel));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo(string path, int mode);

    public void Dispose() => _directory.Dispose();
}
