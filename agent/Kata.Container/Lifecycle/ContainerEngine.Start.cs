using Kata.Container.Hooks;
using Kata.Container.Interop;
using Kata.Container.Spawn;
using Kata.Oci.State;

namespace Kata.Container.Lifecycle;

public sealed partial class ContainerEngine
{
    /// <summary>
    /// runtime.md "start": releases the waiting init through the exec FIFO and waits until it has execve()d the user's
    /// program (the sync socket is close-on-exec: EOF after the "executing" report means the execve succeeded).
    /// </summary>
    public void Start(string id)
    {
        var container = Get(id);
        container.StateMachine.Apply(ContainerOperation.Start);
        var channel = container.Channel ?? throw new ContainerException($"container {id}: start failed: no init stage is attached");
        var started = false;
        try
        {
            try
            {
                StartFifo.Signal(container.ExecFifoPath);
            }
            catch (SyscallException exception) when (exception.ErrorNumber == Errno.ENXIO)
            {
                throw new ContainerException($"container {id}: start failed: its init is no longer waiting (it has exited)", exception);
            }

            // The stage runs the startContainer hooks between the start signal and its "executing" report.
            var report = channel.Receive(StageJsonContext.Default.StageReport, TimeoutWith(container.Spec.Hooks.TimeAllowed(HookPhase.StartContainer)));
            if (report?.Kind == StageReportKind.Executing)
            {
                report = channel.Receive(StageJsonContext.Default.StageReport, TimeoutMilliseconds);
                if (report is null)
                {
                    _logger.Information("Container {ContainerId} started: pid {Pid}", id, container.Pid);
                    started = true;
                }
            }
            if (!started)
            {
                throw report?.Kind == StageReportKind.Error
                    ? StageLauncher.ToException(report, id, "start")
                    : new ContainerException($"container {id}: start failed: the init stage ended without executing the process");
            }
        }
        finally
        {
            container.Channel = null;
            channel.Dispose();
            File.Delete(container.ExecFifoPath);
        }

        // runtime.md "Lifecycle" step 9: after the user's program started; a failure is only a warning.
        HookRunner.RunAllWarnOnFailure(container.Spec.Hooks, HookPhase.Poststart, HookState(container, ContainerStatus.Running), _logger);
    }
}
