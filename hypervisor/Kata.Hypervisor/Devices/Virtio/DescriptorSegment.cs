using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>One validated buffer of a descriptor chain: [Address, Address+Length) lies in one guest RAM region.</summary>
public readonly record struct DescriptorSegment(GuestAddress Address, uint Length, bool IsWritable);
