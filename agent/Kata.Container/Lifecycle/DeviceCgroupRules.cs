using Kata.Oci.Spec;

namespace Kata.Container.Lifecycle;

/// <summary>
/// The device cgroup rules the engine actually applies: the spec's rules, then an allow rule for every linux.devices
/// entry and runc's default allow list (libcontainer/specconv AllowedDevices: mknod of any node, the default devices,
/// /dev/console, /dev/pts/*, /dev/ptmx, /dev/net/tun). A default spec denies everything first, as runc's does.
/// </summary>
internal static class DeviceCgroupRules
{
    private static readonly LinuxDeviceCgroup[] RuncDefaults =
    [
        new() { Allow = true, Type = "c", Access = "m" },
        new() { Allow = true, Type = "b", Access = "m" },
        new() { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },   // /dev/null
        new() { Allow = true, Type = "c", Major = 1, Minor = 8, Access = "rwm" },   // /dev/random
        new() { Allow = true, Type = "c", Major = 1, Minor = 7, Access = "rwm" },   // /dev/full
        new() { Allow = true, Type = "c", Major = 5, Minor = 0, Access = "rwm" },   // /dev/tty
        new() { Allow = true, Type = "c", Major = 1, Minor = 5, Access = "rwm" },   // /dev/zero
        new() { Allow = true, Type = "c", Major = 1, Minor = 9, Access = "rwm" },   // /dev/urandom
        new() { Allow = true, Type = "c", Major = 5, Minor = 1, Access = "rwm" },   // /dev/console
        new() { Allow = true, Type = "c", Major = 136, Access = "rwm" },            // /dev/pts/*
        new() { Allow = true, Type = "c", Major = 5, Minor = 2, Access = "rwm" },   // /dev/ptmx
        new() { Allow = true, Type = "c", Major = 10, Minor = 200, Access = "rwm" }, // /dev/net/tun
    ];

    public static LinuxResources WithDefaults(LinuxResources resources, IReadOnlyList<LinuxDevice>? devices)
    {
        var rules = new List<LinuxDeviceCgroup>(resources.Devices ?? []);
        foreach (var device in devices ?? [])
        {
            rules.Add(new LinuxDeviceCgroup
            {
                Allow = true,
                Type = device.Type == "u" ? "c" : device.Type,
                Major = device.Major,
                Minor = device.Minor,
                Access = "rwm",
            });
        }
        rules.AddRange(RuncDefaults);
        return resources with { Devices = rules };
    }
}
