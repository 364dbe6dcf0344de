using Grpc.Core;
using Kata.Agent.Protocol;

namespace Kata.Sandbox;

/// <summary>
/// Polls the agent's health check until it answers SERVING, the process behind it ends, or time runs out.
/// The retry starts after 1 ms and doubles up to 20 ms: a process-sandbox agent listens within tens of milliseconds,
/// and a fixed 20 ms sleep cost up to that much on every container start; a booting VM still sees a 20 ms poll.
/// </summary>
internal static class AgentReadiness
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Returns when the agent serves; throws <see cref="SandboxStartException"/> built by <paramref name="describeFailure"/>.</summary>
    public static async Task WaitAsync(AgentConnection connection, Task processExited, TimeSpan timeout,
        Func<string, string> describeFailure, CancellationToken cancel)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        string lastError = "no answer yet";
        TimeSpan retry = FirstRetry;
        while (true)
        {
            if (processExited.IsCompleted)
            {
                throw new SandboxStartException(describeFailure("it exited before the agent answered"));
            }
            try
            {
                HealthCheckResponse answer = await connection.Health.CheckAsync(new CheckRequest(),
                    deadline: DateTime.UtcNow + AttemptTimeout, cancellationToken: deadline.Token);
                if (answer.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
                lastError = $"health check answered {answer.Status}";
            }
            catch (RpcException e) when (!deadline.IsCancellationRequested)
            {
                lastError = e.Status.Detail;
            }
            catch (RpcException) when (cancel.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancel);
            }
            catch (RpcException)
            {
                // The overall deadline fired during the attempt: reported below.
            }
            try
            {
                await Task.WhenAny(processExited, Task.Delay(retry, deadline.Token));
                retry = retry * 2 < MaxRetry ? retry * 2 : MaxRetry;
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
            }
            if (deadline.IsCancellationRequested)
            {
                cancel.ThrowIfCancellationRequested();
                throw new SandboxStartException(describeFailure(
                    $"the agent did not answer its health check within {timeout.TotalSeconds:0.#} s (last: {lastError})"));
            }
        }
    }
}
