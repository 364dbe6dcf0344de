using Grpc.Core;
using Kata.Sandbox;
using Kata.Sandbox.Configuration;
using Kata.Shim.Interop;
using Kata.Shim.Processes;
using Kata.Ttrpc;
using TtrpcStatus = Kata.Ttrpc.StatusCode;

namespace Kata.Shim.Service;

/// <summary>
/// The one place where the shim's exceptions become ttrpc status codes (containerd's errdefs reads them back:
/// NotFound, AlreadyExists, FailedPrecondition, …). An agent error keeps the agent's code (gRPC and ttrpc share them).
/// </summary>
public static class TaskErrors
{
    public static TtrpcException ToTtrpc(Exception error) => error switch
    {
        TtrpcException ttrpc => ttrpc,
        ProcessNotFoundException => new(TtrpcStatus.NotFound, error.Message, error),
        ProcessAlreadyExistsException => new(TtrpcStatus.AlreadyExists, error.Message, error),
        InvalidProcessStateException => new(TtrpcStatus.FailedPrecondition, error.Message, error),
        NotSupportedException => new(TtrpcStatus.Unimplemented, error.Message, error),
        ConfigurationException => new(TtrpcStatus.InvalidArgument, error.Message, error),
        ArgumentException or FormatException or Google.Protobuf.InvalidProtocolBufferException => new(TtrpcStatus.InvalidArgument, error.Message, error),
        FileNotFoundException or DirectoryNotFoundException => new(TtrpcStatus.FailedPrecondition, error.Message, error),
        RpcException agent => new((TtrpcStatus)(int)agent.StatusCode, $"agent: {agent.Status.Detail}", error),
        SandboxStartException => new(TtrpcStatus.Unavailable, $"sandbox: {error.Message}", error),
        ErrnoException => new(TtrpcStatus.Internal, error.Message, error),
        OperationCanceledException => new(TtrpcStatus.Cancelled, error.Message, error),
        InvalidOperationException => new(TtrpcStatus.FailedPrecondition, error.Message, error),
        _ => new(TtrpcStatus.Internal, $"{error.GetType().Name}: {error.Message}", error),
    };
}
