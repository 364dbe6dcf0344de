using System.Runtime.ExceptionServices;
using Kata.Hypervisor.Kvm;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>
/// A vCPU running a tiny guest on its own thread, so the test thread can bound it: <see cref="Wait"/> kicks the vCPU
/// out of KVM_RUN (immediate_exit + signal, through <see cref="VcpuKicker"/>) when the deadline passes, and fails the
/// test instead of hanging the suite.
/// </summary>
public sealed class TinyGuestRun
{
    private static readonly TimeSpan KickGrace = TimeSpan.FromSeconds(10);

    private readonly Vcpu _vcpu;
    private readonly TinyGuestExitHandler _handler;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _registered = new();
    private readonly object _kickLock = new();
    private nuint _pthread;
    private bool _threadExited;
    private volatile bool _abandoned;
    private long _exits;
    private Exception? _failure;

    internal TinyGuestRun(Vcpu vcpu, TinyGuestExitHandler handler)
    {
        _vcpu = vcpu;
        _handler = handler;
        _thread = new Thread(Loop) { IsBackground = true, Name = $"tiny-guest-vcpu{vcpu.Id}" };
        _thread.Start();
    }

    /// <summary>Exits handed to the handler so far.</summary>
    public long Exits => Interlocked.Read(ref _exits);

    public bool IsFinished => !_thread.IsAlive;

    /// <summary>The vCPU thread's pthread, for <see cref="VcpuKicker.Kick"/> (waits until the thread has registered).</summary>
    public nuint Pthread
    {
        get
        {
            if (!_registered.Wait(KickGrace))
            {
                throw new TimeoutException($"the vCPU thread did not start within {KickGrace.TotalSeconds} s");
            }
            return _pthread;
        }
    }

    /// <summary>Kicks the vCPU out of KVM_RUN; its next exit is <see cref="VcpuExitReason.Interrupted"/>.</summary>
    public void Kick()
    {
        lock (_kickLock)
        {
            VcpuKicker.Kick(_vcpu, _threadExited ? 0 : _pthread);
        }
    }

    /// <summary>Waits for the handler to stop the run; on timeout kicks the vCPU and throws <see cref="TimeoutException"/>.</summary>
    public void Wait(TimeSpan timeout)
    {
        if (!_thread.Join(timeout))
        {
            Abandon();
            string rip = TryDescribeRip();
            throw new TimeoutException($"the tiny guest did not finish within {timeout.TotalSeconds} s after {Exits} exits ({rip})");
        }
        if (_failure is not null)
        {
            ExceptionDispatchInfo.Throw(_failure);
        }
    }

    /// <summary>Stops the vCPU thread whatever the guest does (used on timeout and when the VM is disposed).</summary>
    internal void Abandon()
    {
        _abandoned = true;
        Kick();
        if (!_thread.Join(KickGrace))
        {
            throw new InvalidOperationException($"the vCPU thread did not leave KVM_RUN within {KickGrace.TotalSeconds} s of a kick");
        }
    }

    private void Loop()
    {
        lock (_kickLock)
        {
            _pthread = VcpuKicker.RegisterCurrentThread();
        }
        _registered.Set();
        try
        {
            while (true)
            {
                VcpuExit exit = _vcpu.Run();
                if (_abandoned && exit.Reason == VcpuExitReason.Interrupted)
                {
                    return;
                }
                Interlocked.Increment(ref _exits);
                if (!_handler(exit))
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            _failure = e;
        }
        finally
        {
            lock (_kickLock)
            {
                _threadExited = true;
            }
        }
    }

    private string TryDescribeRip()
    {
        try
        {
            return $"RIP 0x{_vcpu.GetRegs().Rip:x}";
        }
        catch (Exception e)
        {
            return $"registers unavailable: {e.Message}";
        }
    }
}
