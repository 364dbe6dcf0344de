namespace Kata.Cli.Host;

/// <summary>What the guest kernel was built with, from the kernel.config guest-image/build-kernel.sh leaves next to it.</summary>
public static class GuestKernel
{
    /// <summary>
    /// True when the kernel's config (kernel.config beside it) has CONFIG_PVM_GUEST=y: only such a kernel boots on a
    /// PVM host (ARCHITECTURE.md: a stock kernel stalls on instructions the PVM emulator lacks). No config: false.
    /// </summary>
    public static bool SupportsPvm(string kernelPath)
    {
        string? directory = Path.GetDirectoryName(kernelPath);
        string config = Path.Combine(directory ?? ".", "kernel.config");
        return File.Exists(config) && File.ReadLines(config).Any(line => line.Trim() == "CONFIG_PVM_GUEST=y");
    }
}
