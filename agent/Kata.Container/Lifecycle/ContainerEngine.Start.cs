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

            var report = channel.Receive(StageJsonContext.Default.StageReport, TimeoutMilliseconds);
            if (report?.Kind == StageReportKind.Executing)
            {
                report = channel.Receive(StageJsonContext.Default.StageReport, TimeoutMilliseconds);
                if (report is null)
                {
                    _logger.Information("Container {ContainerId} started: pid {Pid}", id, container.Pid);
                    return;
                }
            }
            if (report?.Kind == StageReportKind.Error)
            {
                throw StageLauncher.ToException(report, id, "start");
            }
            throw new ContainerException($"container {id}: start failed: the init stage ended without executing the process");
        }
        finally
        {
            container.Channel = null;
            channel.Dispose();
            File.Delete(container.ExecFifoPath);
        }
    }
}
