using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Boot;

/// <summary>A kernel loaded into guest memory: how to enter it and where its image ends.</summary>
public sealed record KernelImage
{
    public required BootProtocol Protocol { get; init; }
    /// <summary>Guest physical address the boot vCPU starts at.</summary>
    public required GuestAddress Entry { get; init; }
    /// <summary>Lowest guest address the image occupies.</summary>
    public GuestAddress LoadStart { get; init; }
    /// <summary>First guest address past the loaded image (the initrd and other data go above it).</summary>
    public required GuestAddress LoadEnd { get; init; }
    /// <summary>What the image was: "ELF vmlinux (PVH)", "ELF vmlinux (64-bit entry)", "bzImage 2.15".</summary>
    public required string Description { get; init; }
    /// <summary>For a bzImage: its setup header (boot_params offset 0x1f1 onwards), copied into the zero page.</summary>
    public byte[]? SetupHeader { get; init; }
    /// <summary>Highest address the initrd may end at (setup header initrd_addr_max; 0x37ffffff for old kernels).</summary>
    public ulong InitrdAddressMax { get; init; } = 0x37ff_ffff;
}
