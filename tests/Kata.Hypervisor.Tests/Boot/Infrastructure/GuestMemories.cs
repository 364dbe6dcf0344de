using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Tests.Boot.Infrastructure;

/// <summary>Real guest memory laid out as the VMM lays it out (<see cref="Layout.RamRanges"/>).</summary>
public static class GuestMemories
{
    public static GuestMemory OfMiB(ulong mebibytes) => new(Layout.RamRanges(mebibytes << 20));
}
