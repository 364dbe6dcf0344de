namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>Skips (with the reason) a test that needs /dev/kvm when this host has none; it never passes silently.</summary>
public static class KvmRequirement
{
    public static void EnsureAvailable()
    {
        if (!File.Exists("/dev/kvm"))
        {
            Assert.Skip("this host has no /dev/kvm");
        }
    }
}
