using Grpc.Core;
using Kata.Cli.Interop;
using Kata.Oci.Spec;
using Kata.Sandbox;
using Kata.Sandbox.Configuration;

namespace Kata.Cli;

/// <summary>The one place an exception becomes the line a user reads.</summary>
public static class ErrorText
{
    public static string Describe(Exception e) => e switch
    {
        // The agent's message already names the container and what was wrong; the status code tells the kind
        // (Unimplemented = the agent lacks the feature, FailedPrecondition = wrong state, NotFound, …).
        RpcException rpc when rpc.StatusCode == StatusCode.Unavailable => $"the container's sandbox does not answer ({rpc.Status.Detail})",
        RpcException rpc => $"{rpc.Status.Detail} (agent: {rpc.StatusCode})",
        CliException or SpecValidationException or SandboxStartException or ConfigurationException or SyscallException
            or InvalidOperationException or NotSupportedException or Kata.Sandbox.RootfsImages.RootfsImageException => e.Message,
        IOException or UnauthorizedAccessException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
