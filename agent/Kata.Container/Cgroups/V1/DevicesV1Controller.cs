using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V1;

/// <summary>
/// The v1 devices controller: the spec's allow/deny rules written in order to devices.allow / devices.deny
/// (Documentation/admin-guide/cgroup-v1/devices.rst; config-linux.md "Allowed Device Rules").
/// </summary>
internal sealed class DevicesV1Controller : ICgroupV1Controller
{
    public string Subsystem => "devices";

    public bool IsRequested(LinuxResources resources) => resources.Devices is { Count: > 0 };

    public void Set(string directory, LinuxResources resources)
    {
        var rules = resources.Devices ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var type = rule.Type ?? "a";
            if (type is not ("a" or "c" or "b"))
            {
                throw new ContainerConfigException($"linux.resources.devices[{i}].type: '{type}' is not one of a, c, b");
            }
            var access = string.IsNullOrEmpty(rule.Access) ? "rwm" : rule.Access;
            if (access.Any(c => c is not ('r' or 'w' or 'm')))
            {
                throw new ContainerConfigException($"linux.resources.devices[{i}].access: '{access}' may only contain r, w, m");
            }
            var major = rule.Major is { } ma and >= 0 ? ma.ToString(System.Globalization.CultureInfo.InvariantCulture) : "*";
            var minor = rule.Minor is { } mi and >= 0 ? mi.ToString(System.Globalization.CultureInfo.InvariantCulture) : "*";
            CgroupFiles.Write(directory, rule.Allow ? "devices.allow" : "devices.deny", $"{type} {major}:{minor} {access}");
        }
    }
}
