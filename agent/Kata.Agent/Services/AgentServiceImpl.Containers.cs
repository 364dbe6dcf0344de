using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Kata.Agent.Containers;
using Kata.Agent.Protocol;
using Kata.Oci.Spec;

namespace Kata.Agent.Services;

/// <summary>Container and process calls (agent.proto), over the <see cref="ContainerRegistry"/>.</summary>
public sealed partial class AgentServiceImpl
{
    public override Task<CreateContainerResponse> CreateContainer(CreateContainerRequest request, ServerCallContext context)
    {
        AgentContainer container = _containers.Create(request);
        _log.Information("container {ContainerId} created (init pid {Pid})", request.ContainerId, container.Init.Pid);
        return Task.FromResult(new CreateContainerResponse { Pid = (uint)container.Init.Pid });
    }

    public override Task<Empty> StartContainer(StartContainerRequest request, ServerCallContext context)
    {
        _containers.Get(request.ContainerId);
        _containers.Engine.Start(request.ContainerId);
        return Task.FromResult(new Empty());
    }

    public override async Task<Empty> RemoveContainer(RemoveContainerRequest request, ServerCallContext context)
    {
        await _containers.RemoveAsync(request.ContainerId, TimeSpan.FromSeconds(request.Timeout));
        return new Empty();
    }

    public override Task<ExecProcessResponse> ExecProcess(ExecProcessRequest request, ServerCallContext context)
    {
        ProcessSpec process = SpecLoader.ParseProcess(request.OciProcessJson.ToStringUtf8(), $"exec {request.ExecId}: process");
        AgentProcess started = _containers.Exec(request.ContainerId, request.ExecId, process, request.Stdio);
        return Task.FromResult(new ExecProcessResponse { Pid = (uint)started.Pid });
    }

    public override Task<Empty> SignalProcess(SignalProcessRequest request, ServerCallContext context)
    {
        if (request.Signal is 0 or > 64)
        {
            throw new ArgumentException($"signal {request.Signal} is not a signal number (1..64)");
        }
        AgentContainer container = _containers.Get(request.ContainerId);
        if (string.IsNullOrEmpty(request.ExecId))
        {
            _containers.Engine.Kill(request.ContainerId, (int)request.Signal, request.All);
        }
        else if (!container.Process(request.ExecId).Signal((int)request.Signal))
        {
            throw new InvalidOperationException($"exec {request.ExecId} of container {request.ContainerId} has already exited");
        }
        return Task.FromResult(new Empty());
    }

    public override async Task<WaitProcessResponse> WaitProcess(WaitProcessRequest request, ServerCallContext context)
    {
        AgentProcess process = _containers.Get(request.ContainerId).Process(request.ExecId);
        int status = await process.Exited.WaitAsync(context.CancellationToken);
        return new WaitProcessResponse { Status = status };
    }

    public override async Task<WriteStreamResponse> WriteStdin(WriteStreamRequest request, ServerCallContext context)
    {
        AgentProcess process = _containers.Get(request.ContainerId).Process(request.ExecId);
        int written = await process.Io.WriteStdinAsync(request.Data.Memory, context.CancellationToken);
        return new WriteStreamResponse { Len = (uint)written };
    }

    public override Task<Empty> CloseStdin(CloseStdinRequest request, ServerCallContext context)
    {
        _containers.Get(request.ContainerId).Process(request.ExecId).Io.CloseStdin();
        return Task.FromResult(new Empty());
    }

    public override Task<ReadStreamResponse> ReadStdout(ReadStreamRequest request, ServerCallContext context) =>
        Read(request, context, io => io.Stdout);

    public override Task<ReadStreamResponse> ReadStderr(ReadStreamRequest request, ServerCallContext context) =>
        Read(request, context, io => io.Stderr);

    private async Task<ReadStreamResponse> Read(ReadStreamRequest request, ServerCallContext context, Func<ProcessIo, OutputBuffer> stream)
    {
        AgentProcess process = _containers.Get(request.ContainerId).Process(request.ExecId);
        int max = request.Len == 0 ? 64 * 1024 : (int)Math.Min(request.Len, OutputBuffer.Capacity);
        (byte[] data, bool eof) = await stream(process.Io).ReadAsync(max, context.CancellationToken);
        return new ReadStreamResponse { Data = ByteString.CopyFrom(data), Eof = eof };
    }

    public override Task<ListProcessesResponse> ListProcesses(ListProcessesRequest request, ServerCallContext context)
    {
        AgentContainer container = _containers.Get(request.ContainerId);
        var response = new ListProcessesResponse();
        if (!container.Init.Exited.IsCompleted)
        {
            response.Pids.AddRange(PidNamespaceMembers.Of(container.Init.Pid).Select(pid => (uint)pid));
        }
        return Task.FromResult(response);
    }

    public override Task<Empty> TtyWinResize(TtyWinResizeRequest request, ServerCallContext context)
    {
        AgentProcess process = _containers.Get(request.ContainerId).Process(request.ExecId);
        if (!process.Io.IsTerminal)
        {
            string name = string.IsNullOrEmpty(request.ExecId) ? $"container {request.ContainerId}" : $"exec {request.ExecId} of container {request.ContainerId}";
            throw new InvalidOperationException($"TtyWinResize: {name} has no terminal (process.terminal is false)");
        }
        process.Io.Resize(request.Row, request.Column);
        return Task.FromResult(new Empty());
    }
}
