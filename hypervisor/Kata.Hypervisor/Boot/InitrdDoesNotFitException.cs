namespace Kata.Hypervisor.Boot;

/// <summary>The initrd does not fit between the kernel and the highest address the kernel accepts for it.</summary>
public sealed class InitrdDoesNotFitException : KernelLoadException
{
    public InitrdDoesNotFitException(string path, ulong initrdSize, ulong limit, ulong guestMemoryBytes, ulong kernelEnd)
        : base($"initrd {path} of {ByteCount.Describe(initrdSize)} does not fit below 0x{limit:x} in a "
            + $"{ByteCount.Describe(guestMemoryBytes)} guest (the kernel ends at 0x{kernelEnd:x}): "
            + "give the VM more memory (--memory-mib)")
    {
        InitrdSize = initrdSize;
        Limit = limit;
    }

    public ulong InitrdSize { get; }
    /// <summary>The address the initrd had to end below.</summary>
    public ulong Limit { get; }
}
