namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// Socket readiness for the vsock muxer: the muxer says which of its sockets it wants to hear about and the poller
/// reports readiness back through the handler given to <see cref="Start"/>. <see cref="VsockEventLoopPoller"/> puts
/// the sockets on the VMM's one <see cref="VirtioEventLoop"/> (as Firecracker's muxer nests its epoll fd in the VMM's
/// event manager, unix/muxer.rs), so no thread is spent per connection or per device.
/// <para>
/// Level-triggered semantics: while a socket is watched for something that is ready, the poller keeps reporting it;
/// the muxer therefore drops interest it cannot act on (no guest credit, nothing to flush), and a socket with
/// <see cref="VsockSocketInterest.None"/> is not watched at all, not even for a hang-up. A report may arrive late
/// (after the interest changed); the muxer copes with spurious ones. Hang-ups and errors are reported as readable and
/// writable, so the next read or write meets them.
/// </para>
/// </summary>
public interface IVsockSocketPoller : IDisposable
{
    /// <summary>Called once with the handler for ready sockets (called on the poller's thread) before any other member.</summary>
    void Start(Action<UnixStreamSocket, VsockSocketInterest> onReady);

    /// <summary>
    /// Watches <paramref name="socket"/> for <paramref name="interest"/> (replacing the previous interest), or stops
    /// watching it for <see cref="VsockSocketInterest.None"/>. Called with the device's lock held: must not block and
    /// must not call back synchronously.
    /// </summary>
    void SetInterest(UnixStreamSocket socket, VsockSocketInterest interest);

    /// <summary>Forgets <paramref name="socket"/> before the muxer closes it. Same rules as <see cref="SetInterest"/>.</summary>
    void Forget(UnixStreamSocket socket);

    /// <summary>Runs <paramref name="action"/> on the poller's thread soon (timer work); false when the poller has stopped.</summary>
    bool Post(Action action);
}
