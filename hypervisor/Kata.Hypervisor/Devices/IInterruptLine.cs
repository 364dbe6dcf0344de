namespace Kata.Hypervisor.Devices;

/// <summary>
/// An interrupt line a device raises toward the guest. In the VMM it is an irqfd on the in-kernel irqchip
/// (edge: one <see cref="Trigger"/> per event, as Firecracker does for the 8250 and virtio-mmio); in unit tests a
/// counting fake.
/// </summary>
public interface IInterruptLine
{
    void Trigger();
}
