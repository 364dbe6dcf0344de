using Grpc.Core;
using Kata.Agent.Protocol;

namespace Kata.Agent.Services;

/// <summary>The Health service: the sandbox polls <c>Check</c> until the agent answers SERVING.</summary>
public sealed class HealthService : Health.HealthBase
{
    public static string AgentVersion { get; } =
        typeof(HealthService).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public override Task<HealthCheckResponse> Check(CheckRequest request, ServerCallContext context) =>
        Task.FromResult(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving });

    public override Task<VersionCheckResponse> Version(CheckRequest request, ServerCallContext context) =>
        Task.FromResult(new VersionCheckResponse { AgentVersion = AgentVersion, GrpcVersion = "katastyle.agent.v1" });
}
