using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Kata.Shim.Protos.Task;
using Kata.Ttrpc.Server;
using Serilog;

namespace Kata.Shim.Service;

/// <summary>Binds <see cref="TaskService"/> to a ttrpc service name (containerd.task.v2.Task, containerd.task.v3.Task).</summary>
public static class TaskServiceBinding
{
    public static readonly string[] ServiceNames = ["containerd.task.v2.Task", "containerd.task.v3.Task"];

    public static void Register(TtrpcServiceBuilder builder, TaskService service, ILogger log)
    {
        Unary(builder, log, "State", StateRequest.Parser, (r, c) => Task.FromResult(service.State(r)));
        Unary(builder, log, "Create", CreateTaskRequest.Parser, (r, c) => service.CreateAsync(r, c.CancellationToken));
        Unary(builder, log, "Start", StartRequest.Parser, (r, c) => service.StartAsync(r, c.CancellationToken));
        Unary(builder, log, "Delete", DeleteRequest.Parser, (r, c) => service.DeleteAsync(r, c.CancellationToken));
        Unary(builder, log, "Pids", PidsRequest.Parser, (r, c) => service.PidsAsync(r, c.CancellationToken));
        Unary(builder, log, "Pause", PauseRequest.Parser, async (r, c) => { await service.PauseAsync(r, c.CancellationToken); return new Empty(); });
        Unary(builder, log, "Resume", ResumeRequest.Parser, async (r, c) => { await service.ResumeAsync(r, c.CancellationToken); return new Empty(); });
        Unary(builder, log, "Checkpoint", CheckpointTaskRequest.Parser, (r, c) => { TaskService.Checkpoint(r); return Task.FromResult(new Empty()); });
        Unary(builder, log, "Kill", KillRequest.Parser, async (r, c) => { await service.KillAsync(r, c.CancellationToken); return new Empty(); });
        Unary(builder, log, "Exec", ExecProcessRequest.Parser, async (r, c) => { await service.ExecAsync(r); return new Empty(); });
        Unary(builder, log, "ResizePty", ResizePtyRequest.Parser, async (r, c) => { await service.ResizePtyAsync(r, c.CancellationToken); return new Empty(); });
        Unary(builder, log, "CloseIO", CloseIORequest.Parser, async (r, c) => { await service.CloseIOAsync(r, c.CancellationToken); return new Empty(); });
        Unary(builder, log, "Update", UpdateTaskRequest.Parser, async (r, c) => { await service.UpdateAsync(r, c.CancellationToken); return new Empty(); });
        Unary(builder, log, "Wait", WaitRequest.Parser, (r, c) => service.WaitAsync(r, c.CancellationToken));
        Unary(builder, log, "Stats", StatsRequest.Parser, (r, c) => service.StatsAsync(r, c.CancellationToken));
        Unary(builder, log, "Connect", ConnectRequest.Parser, (r, c) => Task.FromResult(service.Connect(r)));
        Unary(builder, log, "Shutdown", ShutdownRequest.Parser, (r, c) => { service.Shutdown(r); return Task.FromResult(new Empty()); });
    }

    private static void Unary<TRequest, TResponse>(TtrpcServiceBuilder builder, ILogger log, string method,
        MessageParser<TRequest> parser, Func<TRequest, TtrpcCallContext, Task<TResponse>> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        builder.AddUnary<TRequest, TResponse>(method, parser, async (request, context) =>
        {
            try
            {
                return await handler(request, context);
            }
            catch (Exception e)
            {
                var error = TaskErrors.ToTtrpc(e);
                log.Warning("{Method} failed: {Code}: {Detail}", method, error.StatusCode, error.Detail);
                throw error;
            }
        });
    }
}
