using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;
using Serilog;

namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>
/// The VMM's one device event loop (as Firecracker's event manager): a single thread waiting in epoll_wait(2) on every
/// descriptor the devices care about (the ioeventfds of queue notifications, later the vsock sockets) and calling each
/// ready one's handler. No thread per device.
/// <para>
/// <see cref="Add"/>, <see cref="VirtioEventRegistration.Modify"/>, <see cref="VirtioEventRegistration.Dispose"/> and
/// <see cref="Post"/> may be called from any thread at any time; none of them waits for the loop (a caller holding a
/// device lock a handler needs cannot deadlock). An internal eventfd wakes the loop for posted work and for
/// <see cref="Dispose"/>, which stops the thread and closes the loop's descriptors.
/// </para>
/// <para>
/// Handlers run one at a time on the loop thread and must return promptly. An exception from a handler is logged
/// (rate-limited) and counted; the loop goes on. Descriptors are level-triggered unless registered with
/// <see cref="PollEvents.EdgeTriggered"/>: a handler must consume what made its descriptor ready.
/// </para>
/// </summary>
public sealed class VirtioEventLoop : IDisposable
{
    private const int MaxEventsPerWait = 64;
    private const ulong WakeToken = 0;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly ILogger _logger;
    private readonly FileDescriptorHandle _epoll;
    private readonly EventFd _wake;
    private readonly Thread _thread;
    private readonly object _lock = new();
    private readonly Dictionary<ulong, VirtioEventRegistration> _registrations = [];
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly RateLimitedLog _handlerErrors = new();
    private ulong _nextToken = WakeToken + 1;
    private volatile bool _stopping;
    private int _disposed;
    private bool _cleanUpOnExit;
    private long _dispatched;
    private long _handlerFailures;

    public VirtioEventLoop(ILogger logger, string threadName = "virtio-events")
    {
        _logger = logger;
        _epoll = new FileDescriptorHandle(Errno.Check(Epoll.Create1(Epoll.EPOLL_CLOEXEC), "epoll_create1"));
        try
        {
            _wake = new EventFd();
            EpollControl(Epoll.EPOLL_CTL_ADD, _wake.Handle.Fd, Epoll.EPOLLIN, WakeToken, "the loop's wake eventfd");
        }
        catch
        {
            _wake?.Dispose();
            _epoll.Dispose();
            throw;
        }
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>Handler calls made so far.</summary>
    public long Dispatched => Interlocked.Read(ref _dispatched);

    /// <summary>Handler and posted-action calls that threw.</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    /// <summary>Descriptors currently watched.</summary>
    public int RegistrationCount
    {
        get
        {
            lock (_lock)
            {
                return _registrations.Count;
            }
        }
    }

    /// <summary>Whether the caller is on the loop thread (inside a handler or posted action).</summary>
    public bool IsLoopThread => Thread.CurrentThread == _thread;

    /// <summary>False once the loop has stopped (disposed, or its epoll failed).</summary>
    public bool IsRunning => _thread.IsAlive && !_stopping;

    /// <summary>
    /// Watches <paramref name="handle"/> for <paramref name="interest"/> and calls <paramref name="handler"/> on the loop
    /// thread with the events that were ready. Holds a reference on the handle until the registration is disposed.
    /// </summary>
    public VirtioEventRegistration Add(SafeHandle handle, PollEvents interest, Action<PollEvents> handler)
    {
        bool referenced = false;
        handle.DangerousAddRef(ref referenced);
        try
        {
            lock (_lock)
            {
                // Checked under the lock: CleanUp closes the epoll descriptor under it, so its number is never stale here.
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0 || _epoll.IsClosed, this);
                var registration = new VirtioEventRegistration(this, _nextToken++, handle, interest, handler);
                EpollControl(Epoll.EPOLL_CTL_ADD, (int)handle.DangerousGetHandle(), (uint)interest, registration.Token, "a device descriptor");
                _registrations.Add(registration.Token, registration);
                return registration;
            }
        }
        catch
        {
            handle.DangerousRelease();
            throw;
        }
    }

    /// <summary>Runs <paramref name="action"/> on the loop thread soon; false when the loop has stopped.</summary>
    public bool Post(Action action)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }
        _posted.Enqueue(action);
        return SignalWake();
    }

    internal void Modify(VirtioEventRegistration registration, PollEvents interest)
    {
        lock (_lock)
        {
            if (!_registrations.ContainsKey(registration.Token) || _epoll.IsClosed)
            {
                throw new InvalidOperationException("the descriptor is no longer registered with the event loop");
            }
            EpollControl(Epoll.EPOLL_CTL_MOD, (int)registration.Handle.DangerousGetHandle(), (uint)interest, registration.Token, "a device descriptor");
            registration.Interest = interest;
        }
    }

    internal void Remove(VirtioEventRegistration registration)
    {
        lock (_lock)
        {
            if (!_registrations.Remove(registration.Token))
            {
                return;
            }
            if (!_epoll.IsClosed)
            {
                unsafe
                {
                    // Failure (the loop is shutting down) changes nothing: the descriptor is forgotten either way.
                    _ = Epoll.Ctl(_epoll.Fd, Epoll.EPOLL_CTL_DEL, (int)registration.Handle.DangerousGetHandle(), null);
                }
            }
            // Under the lock: the loop takes its own reference under the same lock before calling the handler.
            registration.Handle.DangerousRelease();
        }
    }

    /// <summary>Stops the loop thread (waits for the handler in progress, bounded) and closes the loop's descriptors.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stopping = true;
        SignalWake();
        if (IsLoopThread)
        {
            // Disposed from a handler: the thread cleans up once the handler returns.
            _cleanUpOnExit = true;
            return;
        }
        if (!_thread.Join(StopTimeout))
        {
            _logger.Error("The virtio event loop did not stop within {Seconds} s (a handler is stuck); its descriptors are left open",
                StopTimeout.TotalSeconds);
            return;
        }
        CleanUp();
    }

    /// <summary>Wakes the loop; false when its eventfd is already closed (a reference keeps the number from being reused meanwhile).</summary>
    private bool SignalWake()
    {
        bool referenced = false;
        try
        {
            _wake.Handle.DangerousAddRef(ref referenced);
            _wake.Signal();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (referenced)
            {
                _wake.Handle.DangerousRelease();
            }
        }
    }

    private void Run()
    {
        try
        {
            RunLoop();
        }
        catch (Exception e)
        {
            _logger.Fatal(e, "The virtio event loop failed; device notifications are no longer processed");
        }
        finally
        {
            _stopping = true;
            if (_cleanUpOnExit)
            {
                CleanUp();
            }
        }
    }

    private unsafe void RunLoop()
    {
        EpollEvent* events = stackalloc EpollEvent[MaxEventsPerWait];
        while (!_stopping)
        {
            int count = Epoll.Wait(_epoll.Fd, events, MaxEventsPerWait, -1);
            if (count < 0)
            {
                int errno = Errno.Last;
                if (errno == Libc.EINTR)
                {
                    continue;
                }
                throw new SystemCallException("epoll_wait", errno, "the virtio event loop");
            }
            for (int i = 0; i < count && !_stopping; i++)
            {
                if (events[i].Data == WakeToken)
                {
                    _wake.Consume();
                    RunPosted();
                }
                else
                {
                    Dispatch(events[i].Data, (PollEvents)events[i].Events);
                }
            }
        }
    }

    private void Dispatch(ulong token, PollEvents ready)
    {
        VirtioEventRegistration? registration;
        bool referenced = false;
        lock (_lock)
        {
            // Removed since epoll_wait returned: skip. Otherwise keep the descriptor open while the handler runs.
            if (!_registrations.TryGetValue(token, out registration))
            {
                return;
            }
            registration.Handle.DangerousAddRef(ref referenced);
        }
        try
        {
            Interlocked.Increment(ref _dispatched);
            registration.Handler(ready);
        }
        catch (Exception e)
        {
            ReportFailure(e, "an event handler");
        }
        finally
        {
            if (referenced)
            {
                registration.Handle.DangerousRelease();
            }
        }
    }

    private void RunPosted()
    {
        while (!_stopping && _posted.TryDequeue(out Action? action))
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                ReportFailure(e, "a posted action");
            }
        }
    }

    private void ReportFailure(Exception e, string what)
    {
        Interlocked.Increment(ref _handlerFailures);
        if (_handlerErrors.TryEnter(out long suppressed))
        {
            _logger.Error(e, "The virtio event loop caught an exception from {What} ({Suppressed} similar errors suppressed)", what, suppressed);
        }
    }

    private void CleanUp()
    {
        lock (_lock)
        {
            foreach (VirtioEventRegistration registration in _registrations.Values)
            {
                registration.Handle.DangerousRelease();
            }
            _registrations.Clear();
            _epoll.Dispose();
        }
        _wake.Dispose();
    }

    private unsafe void EpollControl(int operation, int fd, uint events, ulong token, string what)
    {
        var ev = new EpollEvent { Events = events, Data = token };
        Errno.Check(Epoll.Ctl(_epoll.Fd, operation, fd, &ev), "epoll_ctl", what);
    }
}
