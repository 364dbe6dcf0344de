using Kata.Hypervisor.Devices;
using Kata.Hypervisor.Kvm;

namespace Kata.Hypervisor.Vmm;

/// <summary>An interrupt line backed by an irqfd on the in-kernel irqchip: a write to the eventfd injects the GSI.</summary>
internal sealed class IrqfdLine : IInterruptLine, IDisposable
{
    private readonly EventFd _eventFd = new();

    public IrqfdLine(VirtualMachine vm, uint gsi)
    {
        Gsi = gsi;
        vm.RegisterIrqfd(_eventFd, gsi);
    }

    public uint Gsi { get; }

    public void Trigger() => _eventFd.Signal();

    public void Dispose() => _eventFd.Dispose();
}
