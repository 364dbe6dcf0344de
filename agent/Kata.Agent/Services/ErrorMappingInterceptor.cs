using Grpc.Core;
using Grpc.Core.Interceptors;
using Kata.Container;
using Kata.Container.Lifecycle;
using Kata.Oci.Spec;
using Kata.Oci.State;

namespace Kata.Agent.Services;

/// <summary>
/// Turns the engine's typed exceptions into gRPC status codes, once, at the service boundary (STYLE.md: "Errors are
/// turned into … status codes only at the service boundary"). The message always reaches the host unchanged.
/// </summary>
public sealed class ErrorMappingInterceptor : Interceptor
{
    private readonly Serilog.ILogger _log;

    public ErrorMappingInterceptor(Serilog.ILogger log) => _log = log.ForContext<ErrorMappingInterceptor>();

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            StatusCode code = CodeFor(e);
            if (code is StatusCode.Internal or StatusCode.Unknown)
            {
                _log.Error(e, "{Method} failed", context.Method);
            }
            else
            {
                _log.Information("{Method}: {Code}: {Message}", context.Method, code, e.Message);
            }
            throw new RpcException(new Status(code, e.Message));
        }
    }

    public static StatusCode CodeFor(Exception e) => e switch
    {
        ContainerNotFoundException or FileNotFoundException or DirectoryNotFoundException => StatusCode.NotFound,
        InvalidContainerStateException => StatusCode.FailedPrecondition,
        SpecValidationException or ContainerConfigException or ArgumentException or FormatException => StatusCode.InvalidArgument,
        NotSupportedException => StatusCode.Unimplemented,
        OperationCanceledException => StatusCode.Cancelled,
        InvalidOperationException => StatusCode.FailedPrecondition,
        ContainerException e2 when e2.Message.Contains("already exists", StringComparison.Ordinal) => StatusCode.AlreadyExists,
        _ => StatusCode.Internal,
    };
}
