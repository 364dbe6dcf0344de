using Google.Protobuf;
using Grpc.Core;
using Kata.Agent.Protocol;
using Serilog;

namespace Kata.Cli.Monitor;

/// <summary>
/// Carries one process's stdio between local streams and the agent (agent.proto: WriteStdin/CloseStdin,
/// ReadStdout/ReadStderr). Output is pulled until the agent says eof; stdin is pushed until the local input ends,
/// then closed, so the process sees EOF as it would on a pipe.
/// </summary>
public sealed class StdioRelay
{
    private const uint ChunkBytes = 64 * 1024;
    private readonly AgentService.AgentServiceClient _agent;
    private readonly string _containerId;
    private readonly string _execId;
    private readonly ILogger _log;

    public StdioRelay(AgentService.AgentServiceClient agent, string containerId, string execId, ILogger log)
    {
        _agent = agent;
        _containerId = containerId;
        _execId = execId;
        _log = log;
    }

    /// <summary>Starts pushing <paramref name="input"/> on a thread of its own (a blocking read of a terminal never ends by itself).</summary>
    public void StartInput(Stream input, CancellationToken cancel) =>
        _ = Task.Factory.StartNew(() => PushInputAsync(input, cancel), cancel, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    /// <summary>Completes when stdout (and stderr, unless <paramref name="errorOutput"/> is null: a terminal has one stream) reached eof.</summary>
    public Task PullOutputAsync(Stream output, Stream? errorOutput, CancellationToken cancel) => Task.WhenAll(
        PullAsync(output, stdout: true, cancel),
        errorOutput is null ? Task.CompletedTask : PullAsync(errorOutput, stdout: false, cancel));

    private async Task PushInputAsync(Stream input, CancellationToken cancel)
    {
        byte[] buffer = new byte[ChunkBytes];
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                int read = input.Read(buffer, 0, buffer.Length);
                if (read == 0)
                {
                    break;
                }
                int offset = 0;
                while (offset < read)
                {
                    WriteStreamResponse written = await _agent.WriteStdinAsync(new WriteStreamRequest
                    {
                        ContainerId = _containerId,
                        ExecId = _execId,
                        Data = ByteString.CopyFrom(buffer, offset, read - offset),
                    }, cancellationToken: cancel);
                    offset += (int)written.Len;
                }
            }
            await _agent.CloseStdinAsync(new CloseStdinRequest { ContainerId = _containerId, ExecId = _execId }, cancellationToken: cancel);
        }
        catch (Exception e) when (e is RpcException or IOException or OperationCanceledException)
        {
            // The process ended (its stdin is gone) or our input failed: nothing more to deliver.
            _log.Debug("stdin relay of {ContainerId}/{ExecId} ended: {Reason}", _containerId, _execId, e.Message);
        }
    }

    private async Task PullAsync(Stream output, bool stdout, CancellationToken cancel)
    {
        bool writable = true;
        var request = new ReadStreamRequest { ContainerId = _containerId, ExecId = _execId, Len = ChunkBytes };
        while (true)
        {
            ReadStreamResponse chunk;
            try
            {
                chunk = stdout
                    ? await _agent.ReadStdoutAsync(request, cancellationToken: cancel)
                    : await _agent.ReadStderrAsync(request, cancellationToken: cancel);
            }
            catch (RpcException e)
            {
                _log.Debug("{Stream} relay of {ContainerId}/{ExecId} ended: {Status}", stdout ? "stdout" : "stderr", _containerId, _execId, e.Status);
                return;
            }
            if (!chunk.Data.IsEmpty && writable)
            {
                try
                {
                    output.Write(chunk.Data.Span);
                    output.Flush();
                }
                catch (IOException e)
                {
                    // The reader went away (EPIPE): keep draining so the process never blocks on a full pipe.
                    _log.Debug("{Stream} of {ContainerId}: local output closed ({Error})", stdout ? "stdout" : "stderr", _containerId, e.Message);
                    writable = false;
                }
            }
            if (chunk.Eof)
            {
                return;
            }
            if (chunk.Data.IsEmpty)
            {
                // The agent answers at once when there is nothing new: do not spin.
                await Task.Delay(10, cancel);
            }
        }
    }
}
