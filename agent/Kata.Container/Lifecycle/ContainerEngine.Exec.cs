using System.Globalization;
using Kata.Container.Namespaces;
using Kata.Container.ProcessSetup;
using Kata.Container.Spawn;
using Kata.Oci.Spec;
using Kata.Oci.State;

namespace Kata.Container.Lifecycle;

public sealed partial class ContainerEngine
{
    /// <summary>
    /// Runs another process in a running container: the stage is spawned into the init's pid namespace, joins its other
    /// namespaces and root, and execve()s <paramref name="process"/> at once. Returns when the execve has happened.
    /// </summary>
    public ContainerProcess Exec(string id, ProcessSpec process, ContainerStdio? stdio = null, string? consoleSocketPath = null)
    {
        var container = Get(id);
        container.StateMachine.Apply(ContainerOperation.Exec);
        ProcessIdentity.Validate(process);
        var init = container.Init ?? throw new ContainerException($"container {id}: exec failed: it has no init process");

        var pidPath = $"/proc/{init.Pid.ToString(CultureInfo.InvariantCulture)}/ns/pid";
        ChildProcess child;
        SyncChannel channel;
        using (var pidNamespace = NamespaceEntry.OpenNamespace(pidPath))
        {
            (child, channel) = StageLauncher.Launch(_options.Stage, stdio ?? ContainerStdio.Null, PidNamespaceChoice.Join(pidNamespace, pidPath));
        }
        using (channel)
        {
            try
            {
                container.Cgroup?.AddProcess(child.Pid);
                channel.Send(new StageRequest
                {
                    Mode = StageMode.Exec,
                    ContainerId = id,
                    SpecJson = SpecSerializer.Serialize(container.Spec),
                    ProcessJson = SpecSerializer.Serialize(process),
                    InitPid = init.Pid,
                }, StageJsonContext.Default.StageRequest);

                Interop.FileDescriptor? console = null;
                var report = StageReports.Next(channel, TimeoutMilliseconds, master =>
                {
                    if (consoleSocketPath is not null)
                    {
                        ConsoleSocket.Hand(consoleSocketPath, master);
                    }
                    else
                    {
                        console = master;
                    }
                });
                if (report?.Kind == StageReportKind.Executing)
                {
                    report = channel.Receive(StageJsonContext.Default.StageReport, TimeoutMilliseconds);
                    if (report is null)
                    {
                        container.AddExec(child);
                        _logger.Information("Container {ContainerId}: exec'd pid {Pid} ({Command})", id, child.Pid, process.Args![0]);
                        return new ContainerProcess(id, child) { Console = console };
                    }
                }
                throw report?.Kind == StageReportKind.Error
                    ? StageLauncher.ToException(report, id, "exec")
                    : new ContainerException($"container {id}: exec failed: the stage ended without executing the process");
            }
            catch
            {
                child.Signal(Interop.LinuxConstants.SIGKILL);
                child.Exit.Wait(_options.StageTimeout);
                child.Dispose();
                throw;
            }
        }
    }
}
