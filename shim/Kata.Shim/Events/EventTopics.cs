using Google.Protobuf;
using Kata.Shim.Protos.Events;

namespace Kata.Shim.Events;

/// <summary>containerd's topic for each task event (containerd 1.6 runtime/events.go).</summary>
public static class EventTopics
{
    public static string Of(IMessage message) => message switch
    {
        TaskCreate => "/tasks/create",
        TaskStart => "/tasks/start",
        TaskExit => "/tasks/exit",
        TaskDelete => "/tasks/delete",
        TaskExecAdded => "/tasks/exec-added",
        TaskExecStarted => "/tasks/exec-started",
        TaskPaused => "/tasks/paused",
        TaskResumed => "/tasks/resumed",
        TaskOOM => "/tasks/oom",
        _ => throw new ArgumentException($"{message.Descriptor.FullName} is not a task event", nameof(message)),
    };
}
