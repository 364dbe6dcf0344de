namespace Kata.Hypervisor.Vmm;

/// <summary>
/// Parks vCPU threads between KVM_RUN calls while the VM is paused, and lets <see cref="MicroVm.Pause"/> wait until
/// every vCPU is parked, so a pause that has returned really has no vCPU in the guest.
/// </summary>
internal sealed class PauseGate
{
    private readonly object _lock = new();
    private bool _paused;
    private bool _stopping;
    private int _parked;

    public bool IsPauseRequested
    {
        get
        {
            lock (_lock)
            {
                return _paused;
            }
        }
    }

    public void RequestPause()
    {
        lock (_lock)
        {
            _paused = true;
        }
    }

    public void Resume()
    {
        lock (_lock)
        {
            _paused = false;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Releases every parked vCPU for good (the VM is ending).</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _stopping = true;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Called by a vCPU thread between runs: blocks while paused.</summary>
    public void ParkIfPaused()
    {
        lock (_lock)
        {
            if (!_paused || _stopping)
            {
                return;
            }
            _parked++;
            Monitor.PulseAll(_lock);
            while (_paused && !_stopping)
            {
                Monitor.Wait(_lock);
            }
            _parked--;
        }
    }

    /// <summary>Waits until <paramref name="count"/> vCPUs are parked; false on timeout or when the VM is ending.</summary>
    public bool WaitUntilParked(int count, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        lock (_lock)
        {
            while (_parked < count && !_stopping)
            {
                TimeSpan left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }
                Monitor.Wait(_lock, left);
            }
            return _parked >= count;
        }
    }
}
