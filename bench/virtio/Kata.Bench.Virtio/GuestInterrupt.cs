using Kata.Hypervisor.Devices;

namespace Kata.Bench.Virtio;

/// <summary>
/// The guest's interrupt line as the harness sees it: the transport's <see cref="Trigger"/> (an irqfd in the VMM)
/// wakes the harness's guest thread, which then acknowledges InterruptStatus as Linux's vm_interrupt does.
/// </summary>
internal sealed class GuestInterrupt : IInterruptLine, IDisposable
{
    private readonly ManualResetEventSlim _raised = new(false, spinCount: 200);

    public bool IsRaised => _raised.IsSet;

    public void Trigger() => _raised.Set();

    /// <summary>Clears the line before the guest acknowledges the device's InterruptStatus.</summary>
    public void Clear() => _raised.Reset();

    /// <summary>Waits (briefly spinning, then blocking) until the device raises the line or <paramref name="timeout"/> passes.</summary>
    public bool Wait(TimeSpan timeout) => _raised.Wait(timeout);

    /// <summary>Wakes the guest thread without an interrupt (the harness has new work for it).</summary>
    public void Kick() => _raised.Set();

    public void Dispose() => _raised.Dispose();
}
