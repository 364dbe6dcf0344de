namespace Kata.Container.ProcessSetup;

/// <summary>Capability names to numbers (linux/capability.h; capabilities(7)).</summary>
internal static class CapabilityNames
{
    private static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>The highest capability the running kernel knows (/proc/sys/kernel/cap_last_cap).</summary>
    public static int LastSupported()
    {
        try
        {
            return int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim());
        }
        catch (IOException)
        {
            return Names.Length - 1;
        }
    }

    /// <summary>A 64-bit mask of the named capabilities; unknown names are a config error naming the field.</summary>
    public static ulong ToMask(IReadOnlyList<string>? names, string field, int lastSupported)
    {
        ulong mask = 0;
        foreach (var name in names ?? [])
        {
            var number = Array.IndexOf(Names, name.ToUpperInvariant());
            if (number < 0)
            {
                throw new ContainerConfigException($"process.capabilities.{field}: unknown capability '{name}'");
            }
            if (number <= lastSupported)
            {
                mask |= 1UL << number; // runc, too, skips capabilities the kernel does not have
            }
        }
        return mask;
    }
}
