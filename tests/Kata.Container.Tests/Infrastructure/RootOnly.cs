namespace Kata.Container.Tests.Infrastructure;

/// <summary>Namespaces and mounts need root: tests that need them skip (never pass) elsewhere.</summary>
internal static class RootOnly
{
    public static void Require()
    {
        if (Environment.UserName != "root" && !IsUidZero())
        {
            Assert.Skip("needs root (namespaces, mounts, mknod)");
        }
        if (!File.Exists("/bin/busybox"))
        {
            Assert.Skip("needs /bin/busybox (Debian busybox-static) to build the test bundle");
        }
    }

    private static bool IsUidZero() =>
        File.ReadLines("/proc/self/status").Any(line => line.StartsWith("Uid:", StringComparison.Ordinal)
            && line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0");
}
