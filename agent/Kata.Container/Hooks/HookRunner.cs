using System.Globalization;
using Kata.Container.Interop;
using Kata.Container.Lifecycle;
using Kata.Container.Spawn;
using Kata.Oci.Spec;
using Kata.Oci.State;
using Serilog;

namespace Kata.Container.Hooks;

/// <summary>
/// Runs hooks as config.md "POSIX-platform Hooks" describes them: <c>path</c> executed as is (no PATH lookup),
/// <c>args</c> as its argv (just the path when absent), <c>env</c> as its whole environment, the container's state
/// (runtime.md "State") as JSON on stdin, and <c>timeout</c> in seconds, after which the hook and its process group are
/// killed and the hook counts as failed.
/// <para>The hook is posix_spawn()ed from the calling thread, so it lives in that thread's namespaces: the engine's for
/// the runtime-namespace phases, the container's when the init stage runs it (createContainer, startContainer). It gets
/// its own session (so a timeout kills whatever it started, too); stdout and stderr go to an in-memory file whose tail
/// is quoted in the error. Its state JSON comes from a memory file as well, so neither side can block on a pipe.</para>
/// </summary>
internal static class HookRunner
{
    private const int OutputTailBytes = 2048;

    /// <summary>Runs the hooks of <paramref name="phase"/> in order; the first failure throws
    /// <see cref="HookFailedException"/> and the remaining hooks of the phase do not run (create and start fail).</summary>
    public static void RunAll(Oci.Spec.Hooks? hooks, HookPhase phase, ContainerState state)
    {
        var list = hooks.Of(phase);
        if (list.Count == 0)
        {
            return;
        }
        var stdin = StateSerializer.SerializeToUtf8Bytes(state);
        for (var i = 0; i < list.Count; i++)
        {
            Run(list[i], phase, i, stdin);
        }
    }

    /// <summary>For the phases whose failures are warnings (poststart, poststop): runs every hook, logs each failure
    /// and goes on. Returns the failures.</summary>
    public static IReadOnlyList<HookFailedException> RunAllWarnOnFailure(Oci.Spec.Hooks? hooks, HookPhase phase, ContainerState state, ILogger logger)
    {
        var list = hooks.Of(phase);
        if (list.Count == 0)
        {
            return [];
        }
        var stdin = StateSerializer.SerializeToUtf8Bytes(state);
        var failures = new List<HookFailedException>();
        for (var i = 0; i < list.Count; i++)
        {
            try
            {
                Run(list[i], phase, i, stdin);
            }
            catch (HookFailedException failure)
            {
                logger.Warning("Container {ContainerId}: {Phase} hook failed, continuing: {Reason}", state.Id, phase.SpecName(), failure.Message);
                failures.Add(failure);
            }
        }
        return failures;
    }

    /// <summary>Runs one hook to completion; throws <see cref="HookFailedException"/> unless it exits with status 0
    /// within its timeout.</summary>
    public static void Run(Hook hook, HookPhase phase, int index, ReadOnlySpan<byte> state)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"hooks.{phase.SpecName()}[{index}] ({hook.Path})");
        using var stdin = MemoryFile.Create("oci-hook-state", state);
        using var output = MemoryFile.Create("oci-hook-output", []);
        var argv = hook.Args is { Count: > 0 } args ? args : [hook.Path];
        int pid;
        try
        {
            pid = PosixSpawner.Spawn(hook.Path, argv, hook.Env ?? [],
                [new(stdin.Descriptor, 0), new(output.Descriptor, 1), new(output.Descriptor, 2)], newSession: true);
        }
        catch (SyscallException exception)
        {
            throw new HookFailedException($"{name}: could not be started: {exception.Message}", exception);
        }

        // Registered so that an agent reaping orphans as PID 1 leaves this child to us (see EngineChildren).
        EngineChildren.Add(pid);
        try
        {
            using var pidfd = new FileDescriptor(Errno.Check(Libc.PidfdOpen(pid), "pidfd_open", $"hook pid {pid}"));
            var description = $"{name}, pid {pid.ToString(CultureInfo.InvariantCulture)}";
            var timeoutMilliseconds = hook.Timeout is int seconds ? (int)Math.Min(int.MaxValue, seconds * 1000L) : -1;
            if (!PidfdWait.WaitExited(pidfd, timeoutMilliseconds, description))
            {
                // Its own session and process group (setsid at spawn): the group's pgid is the hook's pid, which cannot
                // be reused before we reap it.
                Libc.Kill(-pid, LinuxConstants.SIGKILL);
                Libc.PidfdSendSignal(pidfd.Fd, LinuxConstants.SIGKILL);
                PidfdWait.WaitForExit(pidfd, description);
                throw new HookFailedException(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: did not finish within its timeout of {hook.Timeout} s and was killed{OutputSuffix(output)}"));
            }
            var status = PidfdWait.WaitForExit(pidfd, description);
            if (!status.Succeeded)
            {
                throw new HookFailedException($"{name}: failed: {status}{OutputSuffix(output)}");
            }
        }
        finally
        {
            EngineChildren.Remove(pid);
        }
    }

    private static string OutputSuffix(MemoryFile output)
    {
        var text = output.ReadTail(OutputTailBytes).Trim();
        return text.Length == 0 ? "" : $"; its output: {text}";
    }
}
