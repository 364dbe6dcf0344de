namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// <see cref="IVsockSocketPoller"/> on a <see cref="VirtioEventLoop"/>: one level-triggered registration per watched
/// socket, removed when the interest drops to none. Thread-safe.
/// </summary>
public sealed class VsockEventLoopPoller : IVsockSocketPoller
{
    private readonly VirtioEventLoop _loop;
    private readonly object _lock = new();
    private readonly Dictionary<UnixStreamSocket, VirtioEventRegistration> _registrations = new(ReferenceEqualityComparer.Instance);
    private Action<UnixStreamSocket, VsockSocketInterest>? _onReady;
    private bool _disposed;

    public VsockEventLoopPoller(VirtioEventLoop loop)
    {
        _loop = loop;
    }

    /// <summary>Sockets currently registered with the loop.</summary>
    public int WatchedSockets
    {
        get
        {
            lock (_lock)
            {
                return _registrations.Count;
            }
        }
    }

    public void Start(Action<UnixStreamSocket, VsockSocketInterest> onReady) => _onReady = onReady;

    public void SetInterest(UnixStreamSocket socket, VsockSocketInterest interest)
    {
        if (interest == VsockSocketInterest.None)
        {
            Forget(socket);
            return;
        }
        PollEvents events = ToPollEvents(interest);
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            if (_registrations.TryGetValue(socket, out VirtioEventRegistration? registration))
            {
                if (registration.Interest != events)
                {
                    registration.Modify(events);
                }
                return;
            }
            _registrations.Add(socket, _loop.Add(socket.Handle, events, ready => OnReady(socket, ready)));
        }
    }

    public void Forget(UnixStreamSocket socket)
    {
        lock (_lock)
        {
            if (_registrations.Remove(socket, out VirtioEventRegistration? registration))
            {
                registration.Dispose();
            }
        }
    }

    public bool Post(Action action) => _loop.Post(action);

    /// <summary>Unregisters every socket (the sockets themselves belong to the muxer).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (VirtioEventRegistration registration in _registrations.Values)
            {
                registration.Dispose();
            }
            _registrations.Clear();
        }
    }

    private static PollEvents ToPollEvents(VsockSocketInterest interest) =>
        ((interest & VsockSocketInterest.Readable) != 0 ? PollEvents.Readable : PollEvents.None)
        | ((interest & VsockSocketInterest.Writable) != 0 ? PollEvents.Writable : PollEvents.None);

    private void OnReady(UnixStreamSocket socket, PollEvents ready)
    {
        var interest = VsockSocketInterest.None;
        if ((ready & (PollEvents.Readable | PollEvents.Error | PollEvents.HangUp | PollEvents.ReadHangUp)) != 0)
        {
            interest |= VsockSocketInterest.Readable;
        }
        if ((ready & (PollEvents.Writable | PollEvents.Error | PollEvents.HangUp)) != 0)
        {
            interest |= VsockSocketInterest.Writable;
        }
        _onReady?.Invoke(socket, interest);
    }
}
