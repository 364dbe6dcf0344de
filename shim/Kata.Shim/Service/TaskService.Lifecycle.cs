using Google.Protobuf;
using Grpc.Core;
using Kata.Agent.Protocol;
using Kata.Sandbox;
using Kata.Sandbox.Configuration;
using Kata.Sandbox.GuestRootfs;
using Kata.Shim.Manager;
using Kata.Shim.Processes;
using Kata.Shim.Protos.Events;
using Kata.Shim.Protos.Task;
using Kata.Shim.Rootfs;
using Kata.Shim.Stdio;

namespace Kata.Shim.Service;

/// <summary>Create, Start, Exec, Delete, and how a process's exit is observed and reported.</summary>
public sealed partial class TaskService
{
    public async Task<CreateTaskResponse> CreateAsync(CreateTaskRequest request, CancellationToken cancel)
    {
        ValidateId(request.Id, "container id");
        if (request.Checkpoint.Length > 0 || request.ParentCheckpoint.Length > 0)
        {
            throw new NotSupportedException("restoring a container from a checkpoint is not supported by kata-style");
        }
        if (request.Bundle.Length == 0 || !Path.IsPathRooted(request.Bundle))
        {
            throw new ArgumentException($"bundle \"{request.Bundle}\" must be an absolute path");
        }
        await _lifecycle.WaitAsync(cancel);
        try
        {
            if (_containers.ContainsKey(request.Id))
            {
                throw new ProcessAlreadyExistsException($"container {request.Id} already exists");
            }
            BundleSpec spec = BundleSpec.Load(request.Bundle);
            KataConfiguration configuration = _pod.Configuration ?? LoadConfiguration(request.Options);
            string sandboxId = _pod.Id ?? spec.GroupingId(request.Id);
            var stdio = new StdioPaths(request.Stdin, request.Stdout, request.Stderr, request.Terminal);
            var init = new ShimProcess(request.Id, "", stdio);
            var container = new ShimContainer(request.Id, request.Bundle, init, request.Rootfs);
            ContainerRootfs rootfs;
            ISandbox sandbox;
            try
            {
                rootfs = PrepareRootfs(container, spec, configuration);
                sandbox = await _pod.EnsureStartedAsync(sandboxId, configuration, spec.Hostname, rootfs.Disks, cancel);
            }
            catch
            {
                UnmountRootfs(container);
                throw;
            }
            BundleFiles.WriteAtomically(request.Bundle, BundleFiles.SandboxState, configuration.SandboxStateDirectory(sandboxId));

            try
            {
                init.Io = await ProcessStdio.OpenAsync(stdio, new AgentProcessStreams(sandbox.Connection, request.Id, ""),
                    request.Id, _namespace, _log, cancel);
                var createRequest = new CreateContainerRequest
                {
                    ContainerId = request.Id,
                    Stdio = new StdioConfig { Terminal = request.Terminal, Stdin = request.Stdin.Length > 0 },
                };
                rootfs.ApplyTo(createRequest);
                CreateContainerResponse created = await sandbox.Connection.Agent.CreateContainerAsync(createRequest, cancellationToken: cancel);
                init.Pid = (int)created.Pid;
                init.Io.Start();
                BundleFiles.WritePid(request.Bundle, BundleFiles.InitPid, init.Pid);
            }
            catch
            {
                init.Io?.Discard();
                UnmountRootfs(container);
                if (_containers.IsEmpty)
                {
                    await _pod.StopAsync(StopGrace);
                }
                throw;
            }
            _containers[request.Id] = container;
            _ = WatchExitAsync(sandbox, container, init);
            _log.Information("container {Container} created in sandbox {Sandbox}, pid {Pid}", request.Id, sandboxId, init.Pid);
            var createdEvent = new TaskCreate
            {
                ContainerId = request.Id,
                Bundle = request.Bundle,
                Io = new TaskIO { Stdin = request.Stdin, Stdout = request.Stdout, Stderr = request.Stderr, Terminal = request.Terminal },
                Pid = (uint)init.Pid,
            };
            createdEvent.Rootfs.AddRange(request.Rootfs);
            Publish(createdEvent);
            return new CreateTaskResponse { Pid = (uint)init.Pid };
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// The rootfs the agent should use, decided by <see cref="ContainerRootfs"/> (shared with the CLI). containerd's
    /// mounts (the snapshot) are mounted on the host at &lt;bundle&gt;/rootfs as containerd's runc shim does: for the
    /// process sandbox they stay there until the container is deleted; for a new vm sandbox they are mounted read-only
    /// just long enough to make the rootfs image of the merged tree, which the VM gets as a disk.
    /// </summary>
    private ContainerRootfs PrepareRootfs(ShimContainer container, BundleSpec spec, KataConfiguration configuration)
    {
        byte[] specJson = spec.WithRootPath(spec.AbsoluteRootPath);
        if (_pod.Sandbox is { Kind: SandboxKind.Vm } runningVm)
        {
            // Refused before anything is mounted.
            return ContainerRootfs.ForRunningSandbox(runningVm, container.Id, specJson, spec.AbsoluteRootPath);
        }
        bool imageOnly = _pod.Sandbox is null && configuration.Sandbox == SandboxKind.Vm;
        string hostRootfs = spec.AbsoluteRootPath;
        if (container.Rootfs.Count > 0)
        {
            hostRootfs = Path.Combine(container.Bundle, BundleFiles.Rootfs);
            RootfsMounter.MountAll(imageOnly ? [.. container.Rootfs.Select(ReadOnlyMount)] : container.Rootfs, hostRootfs);
            container.MountedRootfs = hostRootfs;
        }
        try
        {
            return _pod.Sandbox is { } running
                ? ContainerRootfs.ForRunningSandbox(running, container.Id, specJson, hostRootfs)
                : ContainerRootfs.ForNewSandbox(configuration.Sandbox, container.Id, specJson, hostRootfs,
                    () => configuration.CreateRootfsImageBuilder(_log), _log);
        }
        finally
        {
            if (imageOnly)
            {
                // The image holds the tree now; the guest never sees the host mounts.
                UnmountRootfs(container);
            }
        }
    }

    private static Protos.Types.Mount ReadOnlyMount(Protos.Types.Mount mount)
    {
        Protos.Types.Mount copy = mount.Clone();
        copy.Options.Add("ro");
        return copy;
    }

    public async Task<StartResponse> StartAsync(StartRequest request, CancellationToken cancel)
    {
        ShimContainer container = Get(request.Id);
        ShimProcess process = container.Process(request.ExecId);
        ISandbox sandbox = _pod.Running;
        process.State.Ensure("start", ProcessState.Created);
        if (process.IsInit)
        {
            await sandbox.Connection.Agent.StartContainerAsync(new StartContainerRequest { ContainerId = container.Id }, cancellationToken: cancel);
            process.State.Started();
            Publish(new TaskStart { ContainerId = container.Id, Pid = (uint)process.Pid });
            return new StartResponse { Pid = (uint)process.Pid };
        }

        container.Init.State.EnsureCanExec();
        process.Io = await ProcessStdio.OpenAsync(process.Stdio, new AgentProcessStreams(sandbox.Connection, container.Id, process.ExecId),
            container.Id, _namespace, _log, cancel);
        try
        {
            Agent.Protocol.ExecProcessResponse started = await sandbox.Connection.Agent.ExecProcessAsync(new Agent.Protocol.ExecProcessRequest
            {
                ContainerId = container.Id,
                ExecId = process.ExecId,
                OciProcessJson = process.ExecSpecJson ?? ByteString.Empty,
                Stdio = new StdioConfig { Terminal = process.Stdio.Terminal, Stdin = process.Stdio.Stdin.Length > 0 },
            }, cancellationToken: cancel);
            process.Pid = (int)started.Pid;
        }
        catch
        {
            process.Io.Discard();
            throw;
        }
        process.Io.Start();
        process.State.Start();
        _ = WatchExitAsync(sandbox, container, process);
        Publish(new TaskExecStarted { ContainerId = container.Id, ExecId = process.ExecId, Pid = (uint)process.Pid });
        return new StartResponse { Pid = (uint)process.Pid };
    }

    public Task ExecAsync(Protos.Task.ExecProcessRequest request)
    {
        ShimContainer container = Get(request.Id);
        ValidateId(request.ExecId, "exec id");
        if (request.Spec is null || request.Spec.Value.IsEmpty)
        {
            throw new ArgumentException($"exec {request.ExecId}: the request carries no process spec");
        }
        container.Init.State.EnsureCanExec();
        var exec = new ShimProcess(container.Id, request.ExecId,
            new StdioPaths(request.Stdin, request.Stdout, request.Stderr, request.Terminal), request.Spec.Value);
        if (!container.Execs.TryAdd(request.ExecId, exec))
        {
            throw new ProcessAlreadyExistsException($"container {container.Id} already has an exec {request.ExecId}");
        }
        Publish(new TaskExecAdded { ContainerId = container.Id, ExecId = request.ExecId });
        return Task.CompletedTask;
    }

    public async Task<DeleteResponse> DeleteAsync(DeleteRequest request, CancellationToken cancel)
    {
        ShimContainer container = Get(request.Id);
        ShimProcess process = container.Process(request.ExecId);
        if (!process.IsInit)
        {
            process.State.Delete();
            container.Execs.TryRemove(process.ExecId, out _);
            return Deleted(process);
        }

        await _lifecycle.WaitAsync(cancel);
        try
        {
            process.State.Ensure("delete", ProcessState.Created, ProcessState.Stopped);
            if (_pod.Sandbox is { } sandbox && !sandbox.Ended.IsCompleted)
            {
                try
                {
                    await sandbox.Connection.Agent.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = container.Id }, cancellationToken: cancel);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                {
                    _log.Warning("container {Container}: the agent no longer knows it ({Detail})", container.Id, e.Status.Detail);
                }
            }
            if (!process.Exited.IsCompleted)
            {
                // A created container that never ran: RemoveContainer killed it; its waiter reports the status.
                await Task.WhenAny(process.Exited, Task.Delay(StopGrace, cancel));
                ReportExit(process, new ExitStatus(ExitStatus.SandboxDied, DateTimeOffset.UtcNow));
            }
            foreach (ShimProcess exec in container.Execs.Values)
            {
                ReportExit(exec, new ExitStatus(ExitStatus.SandboxDied, DateTimeOffset.UtcNow));
            }
            process.State.Delete();
            UnmountRootfs(container);
            _containers.TryRemove(container.Id, out _);
            DeleteResponse response = Deleted(process);
            Publish(new TaskDelete
            {
                ContainerId = container.Id,
                Pid = response.Pid,
                ExitStatus = response.ExitStatus,
                ExitedAt = response.ExitedAt,
                Id = container.Id,
            });
            _log.Information("container {Container} deleted ({Left} left in the pod)", container.Id, _containers.Count);
            if (_containers.IsEmpty)
            {
                await _pod.StopAsync(StopGrace);
            }
            return response;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private static DeleteResponse Deleted(ShimProcess process)
    {
        ExitStatus status = process.ExitStatus ?? new ExitStatus(0, DateTimeOffset.UtcNow);
        return new DeleteResponse { Pid = (uint)process.Pid, ExitStatus = status.Code, ExitedAt = Time(status.At) };
    }

    /// <summary>
    /// Waits for the process in the agent, then for the rest of its output to reach containerd, then reports the
    /// exit (an init only after its execs). A sandbox that dies meanwhile is reported by <see cref="OnSandboxDied"/>.
    /// </summary>
    private async Task WatchExitAsync(ISandbox sandbox, ShimContainer container, ShimProcess process)
    {
        uint code;
        try
        {
            WaitProcessResponse waited = await sandbox.Connection.Agent.WaitProcessAsync(new WaitProcessRequest
            {
                ContainerId = container.Id,
                ExecId = process.ExecId,
            });
            code = (uint)waited.Status;
        }
        catch (RpcException e)
        {
            if (process.Exited.IsCompleted)
            {
                return;
            }
            _log.Error("{Process}: WaitProcess failed ({Status}: {Detail}); reporting it as killed", process.Name, e.StatusCode, e.Status.Detail);
            code = ExitStatus.SandboxDied;
        }
        var at = DateTimeOffset.UtcNow;
        if (process.Io is { } io)
        {
            try
            {
                await io.OutputCompleted.WaitAsync(OutputDrainLimit);
            }
            catch (TimeoutException)
            {
                _log.Warning("{Process}: output still open {Limit} after the exit (a child keeps it?); reporting the exit anyway", process.Name, OutputDrainLimit);
            }
        }
        if (process.IsInit)
        {
            Task[] execs = container.Execs.Values.Where(e => e.Pid != 0).Select(e => (Task)e.Exited).ToArray();
            try
            {
                await Task.WhenAll(execs).WaitAsync(OutputDrainLimit);
            }
            catch (TimeoutException)
            {
                _log.Warning("container {Container}: execs still running after the init exited", container.Id);
            }
        }
        ReportExit(process, new ExitStatus(code, at));
    }
}
