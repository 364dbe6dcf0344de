using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Kvm;

/// <summary>A KVM VM fd: guest memory slots, the in-kernel irqchip and PIT, irqfd/ioeventfd, and its vCPUs.</summary>
public sealed class VirtualMachine : IDisposable
{
    private readonly KvmSystem _kvm;
    private readonly FileDescriptorHandle _handle;
    private uint _nextSlot;

    internal VirtualMachine(KvmSystem kvm, FileDescriptorHandle handle)
    {
        _kvm = kvm;
        _handle = handle;
    }

    public KvmSystem Kvm => _kvm;

    /// <summary>Registers every region of <paramref name="memory"/> as a KVM memory slot.</summary>
    public void MapMemory(GuestMemory memory)
    {
        foreach (GuestMemoryRegion region in memory.Regions)
        {
            SetUserMemoryRegion(_nextSlot++, region.Start, region.Size, region.HostAddress);
        }
    }

    public unsafe void SetUserMemoryRegion(uint slot, GuestAddress guestAddress, ulong size, IntPtr hostAddress)
    {
        var region = new KvmUserspaceMemoryRegion
        {
            Slot = slot,
            GuestPhysAddr = guestAddress.Value,
            MemorySize = size,
            UserspaceAddr = (ulong)hostAddress,
        };
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.SetUserMemoryRegion, &region), "KVM_SET_USER_MEMORY_REGION",
            $"slot {slot} {guestAddress}+0x{size:x}");
    }

    /// <summary>KVM_SET_TSS_ADDR: three pages Intel VT-x needs below 4 GiB (ignored by other implementations).</summary>
    public void SetTssAddress(GuestAddress address) =>
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.SetTssAddr, (nint)address.Value), "KVM_SET_TSS_ADDR");

    public unsafe void SetIdentityMapAddress(GuestAddress address)
    {
        ulong value = address.Value;
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.SetIdentityMapAddr, &value), "KVM_SET_IDENTITY_MAP_ADDR");
    }

    /// <summary>KVM_CREATE_IRQCHIP: in-kernel PIC, IOAPIC and per-vCPU LAPICs. Must precede vCPU creation.</summary>
    public void CreateIrqchip() =>
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.CreateIrqchip, 0), "KVM_CREATE_IRQCHIP");

    /// <summary>KVM_CREATE_PIT2: in-kernel i8254 timer (with a dummy speaker port).</summary>
    public unsafe void CreatePit()
    {
        var config = new KvmPitConfig { Flags = KvmPitConfig.SpeakerDummy };
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.CreatePit2, &config), "KVM_CREATE_PIT2");
    }

    /// <summary>Drives interrupt line <paramref name="irq"/> of the in-kernel irqchip.</summary>
    public unsafe void SetIrqLine(uint irq, bool active)
    {
        var level = new KvmIrqLevel { Irq = irq, Level = active ? 1u : 0u };
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.IrqLine, &level), "KVM_IRQ_LINE", $"irq {irq}");
    }

    /// <summary>KVM_IRQFD: a write to <paramref name="eventFd"/> injects an edge on GSI <paramref name="gsi"/>.</summary>
    public unsafe void RegisterIrqfd(EventFd eventFd, uint gsi)
    {
        var irqfd = new KvmIrqfd { Fd = (uint)eventFd.Handle.Fd, Gsi = gsi };
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.Irqfd, &irqfd), "KVM_IRQFD", $"gsi {gsi}");
    }

    /// <summary>
    /// KVM_IOEVENTFD: a guest write of <paramref name="length"/> bytes to <paramref name="address"/> (MMIO, or port
    /// I/O when <paramref name="pio"/>) signals <paramref name="eventFd"/> without a userspace exit.
    /// </summary>
    public unsafe void RegisterIoeventfd(EventFd eventFd, GuestAddress address, uint length, ulong? datamatch = null, bool pio = false)
    {
        var ioeventfd = new KvmIoeventfd
        {
            Addr = address.Value,
            Len = length,
            Fd = eventFd.Handle.Fd,
            Datamatch = datamatch ?? 0,
            Flags = (datamatch.HasValue ? KvmIoeventfd.FlagDatamatch : 0) | (pio ? KvmIoeventfd.FlagPio : 0),
        };
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.Ioeventfd, &ioeventfd), "KVM_IOEVENTFD", address.ToString());
    }

    public Vcpu CreateVcpu(uint id)
    {
        int fd = Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.CreateVcpu, (nint)id), "KVM_CREATE_VCPU", $"vCPU {id}");
        var handle = new FileDescriptorHandle(fd);
        try
        {
            return new Vcpu(id, handle, _kvm.VcpuMmapSize);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Dispose() => _handle.Dispose();
}
