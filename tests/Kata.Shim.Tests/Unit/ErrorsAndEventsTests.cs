using Kata.Shim.Events;
using Kata.Shim.Processes;
using Kata.Shim.Protos.Events;
using Kata.Shim.Service;
using Kata.Ttrpc;

namespace Kata.Shim.Tests.Unit;

public sealed class ErrorsAndEventsTests
{
    [Fact]
    public void Shim_errors_become_the_codes_containerd_expects()
    {
        Assert.Equal(StatusCode.NotFound, TaskErrors.ToTtrpc(new ProcessNotFoundException("x")).StatusCode);
        Assert.Equal(StatusCode.AlreadyExists, TaskErrors.ToTtrpc(new ProcessAlreadyExistsException("x")).StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, TaskErrors.ToTtrpc(new InvalidProcessStateException("c", "start", ProcessState.Running)).StatusCode);
        Assert.Equal(StatusCode.Unimplemented, TaskErrors.ToTtrpc(new NotSupportedException("checkpoint")).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, TaskErrors.ToTtrpc(new ArgumentException("bad id")).StatusCode);
        var agent = new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.NotFound, "container x not found"));
        TtrpcException mapped = TaskErrors.ToTtrpc(agent);
        Assert.Equal(StatusCode.NotFound, mapped.StatusCode);
        Assert.Equal("agent: container x not found", mapped.Detail);
    }

    [Fact]
    public void Checkpoint_is_refused_as_unimplemented_with_a_message()
    {
        var error = Assert.Throws<NotSupportedException>(() => TaskService.Checkpoint(new Protos.Task.CheckpointTaskRequest { Id = "c1" }));
        Assert.Contains("c1", error.Message);
        Assert.Equal(StatusCode.Unimplemented, TaskErrors.ToTtrpc(error).StatusCode);
    }

    [Fact]
    public void Events_are_packed_with_containerds_type_urls_and_topics()
    {
        Assert.Equal("containerd.events.TaskCreate", EventPublisher.Pack(new TaskCreate()).TypeUrl);
        Assert.Equal("containerd.events.TaskExit", EventPublisher.Pack(new TaskExit()).TypeUrl);
        Assert.Equal("/tasks/exit", EventTopics.Of(new TaskExit()));
        Assert.Equal("/tasks/exec-started", EventTopics.Of(new TaskExecStarted()));
        Assert.Equal("/tasks/oom", EventTopics.Of(new TaskOOM()));
        Assert.Equal("io.containerd.cgroups.v1.Metrics", Protos.Metrics.Metrics.Descriptor.FullName);
        Assert.Equal("containerd.task.v2.DeleteResponse", Protos.Task.DeleteResponse.Descriptor.FullName);
    }
}
