namespace Kata.Oci.Spec;

/// <summary>
/// The configuration <c>kata-style spec</c> writes: what <c>runc spec</c> (runc 1.2, libcontainer/specconv/example.go)
/// writes, for a root (not rootless) container. Differences from runc's file, on purpose: ociVersion is the version
/// this model implements, the hostname is "kata-style", and the cgroup namespace is always included (the guest runs
/// cgroup v2, where runc adds it too).
/// </summary>
public static class DefaultSpec
{
    public const string DefaultHostname = "kata-style";

    /// <summary>The capabilities runc gives a default container: no CAP_SYS_ADMIN, no CAP_NET_RAW.</summary>
    public static IReadOnlyList<string> DefaultCapabilities { get; } = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

    /// <summary>Kernel interfaces a container should not read (information leaks, host control).</summary>
    public static IReadOnlyList<string> DefaultMaskedPaths { get; } =
    [
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi",
        "/sys/devices/virtual/powercap",
    ];

    /// <summary>Kernel interfaces a container may read but not change.</summary>
    public static IReadOnlyList<string> DefaultReadonlyPaths { get; } =
    [
        "/proc/bus",
        "/proc/fs",
        "/proc/irq",
        "/proc/sys",
        "/proc/sysrq-trigger",
    ];

    /// <summary>A default configuration running <paramref name="args"/> (default <c>sh</c>) on the bundle's <c>rootfs</c>.</summary>
    public static RuntimeSpec Create(IReadOnlyList<string>? args = null, bool terminal = true)
    {
        return new RuntimeSpec
        {
            OciVersion = SpecValidator.ImplementedVersion,
            Process = new ProcessSpec
            {
                Terminal = terminal,
                User = new ProcessUser { Uid = 0, Gid = 0 },
                Args = args ?? ["sh"],
                Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
                Cwd = "/",
                Capabilities = new LinuxCapabilities
                {
                    Bounding = DefaultCapabilities,
                    Effective = DefaultCapabilities,
                    Permitted = DefaultCapabilities,
                },
                Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Hard = 1024, Soft = 1024 }],
                NoNewPrivileges = true,
            },
            Root = new Root { Path = "rootfs", Readonly = true },
            Hostname = DefaultHostname,
            Mounts =
            [
                new Mount { Destination = "/proc", Type = "proc", Source = "proc" },
                new Mount
                {
                    Destination = "/dev", Type = "tmpfs", Source = "tmpfs",
                    Options = ["nosuid", "strictatime", "mode=755", "size=65536k"],
                },
                new Mount
                {
                    Destination = "/dev/pts", Type = "devpts", Source = "devpts",
                    Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
                },
                new Mount
                {
                    Destination = "/dev/shm", Type = "tmpfs", Source = "shm",
                    Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
                },
                new Mount
                {
                    Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue",
                    Options = ["nosuid", "noexec", "nodev"],
                },
                new Mount
                {
                    Destination = "/sys", Type = "sysfs", Source = "sysfs",
                    Options = ["nosuid", "noexec", "nodev", "ro"],
                },
                new Mount
                {
                    Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup",
                    Options = ["nosuid", "noexec", "nodev", "relatime", "ro"],
                },
            ],
            Linux = new LinuxSpec
            {
                // Deny every device by default; the engine adds the standard ones (runtime-spec "Default Devices").
                Resources = new LinuxResources
                {
                    Devices = [new LinuxDeviceCgroup { Allow = false, Access = "rwm" }],
                },
                Namespaces =
                [
                    new LinuxNamespace { Type = NamespaceType.Pid },
                    new LinuxNamespace { Type = NamespaceType.Network },
                    new LinuxNamespace { Type = NamespaceType.Ipc },
                    new LinuxNamespace { Type = NamespaceType.Uts },
                    new LinuxNamespace { Type = NamespaceType.Mount },
                    new LinuxNamespace { Type = NamespaceType.Cgroup },
                ],
                MaskedPaths = DefaultMaskedPaths,
                ReadonlyPaths = DefaultReadonlyPaths,
            },
        };
    }

    /// <summary><see cref="Create"/> as the indented JSON text of a <c>config.json</c>.</summary>
    public static string CreateJson(IReadOnlyList<string>? args = null, bool terminal = true) =>
        SpecSerializer.Serialize(Create(args, terminal));
}
