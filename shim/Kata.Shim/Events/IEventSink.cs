using Google.Protobuf;

namespace Kata.Shim.Events;

/// <summary>Where the Task service sends its events (containerd in production, a recorder in unit tests).</summary>
public interface IEventSink
{
    /// <summary>Queues <paramref name="taskEvent"/>; events are delivered in the order they were published.</summary>
    void Publish(IMessage taskEvent);
}
