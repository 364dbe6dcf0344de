using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Boot;

/// <summary>Where the initrd was placed in guest memory.</summary>
public sealed record InitrdLocation(GuestAddress Address, ulong Size);
