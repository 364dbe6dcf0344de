using Google.Protobuf;
using Kata.Agent.Protocol;
using Kata.Sandbox;

namespace Kata.Shim.Stdio;

/// <summary><see cref="IProcessStreams"/> over the agent's ReadStdout/ReadStderr/WriteStdin/CloseStdin.</summary>
public sealed class AgentProcessStreams : IProcessStreams
{
    /// <summary>How much one ReadStdout asks for (the agent buffers up to 1 MiB per stream).</summary>
    private const uint ChunkBytes = 64 * 1024;

    private readonly AgentConnection _agent;
    private readonly string _containerId;
    private readonly string _execId;

    public AgentProcessStreams(AgentConnection agent, string containerId, string execId)
    {
        _agent = agent;
        _containerId = containerId;
        _execId = execId;
    }

    public async Task<(ReadOnlyMemory<byte> Data, bool Eof)> ReadAsync(bool stderr, CancellationToken cancel)
    {
        var request = new ReadStreamRequest { ContainerId = _containerId, ExecId = _execId, Len = ChunkBytes };
        ReadStreamResponse response = stderr
            ? await _agent.Agent.ReadStderrAsync(request, cancellationToken: cancel)
            : await _agent.Agent.ReadStdoutAsync(request, cancellationToken: cancel);
        return (response.Data.Memory, response.Eof);
    }

    public async Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancel)
    {
        // WriteStdin may take less than offered (agent.proto WriteStreamResponse.len): send the rest.
        while (!data.IsEmpty)
        {
            WriteStreamResponse written = await _agent.Agent.WriteStdinAsync(new WriteStreamRequest
            {
                ContainerId = _containerId,
                ExecId = _execId,
                Data = ByteString.CopyFrom(data.Span),
            }, cancellationToken: cancel);
            if (written.Len == 0)
            {
                throw new IOException($"the agent took no bytes of stdin for {_containerId}/{_execId}");
            }
            data = data[(int)Math.Min(written.Len, (uint)data.Length)..];
        }
    }

    public async Task CloseStdinAsync(CancellationToken cancel) =>
        await _agent.Agent.CloseStdinAsync(new CloseStdinRequest { ContainerId = _containerId, ExecId = _execId }, cancellationToken: cancel);
}
