using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>A Linux namespace kind (runtime-spec config-linux.md "Namespaces"; namespaces(7)).</summary>
[JsonConverter(typeof(NamespaceTypeConverter))]
public enum NamespaceType
{
    /// <summary><c>pid</c>: Own process id space; the container's first process is PID 1.</summary>
    Pid,

    /// <summary><c>network</c>: Own network stack (interfaces, routes, ports).</summary>
    Network,

    /// <summary><c>mount</c>: Own mount table.</summary>
    Mount,

    /// <summary><c>ipc</c>: Own System V IPC objects and POSIX message queues.</summary>
    Ipc,

    /// <summary><c>uts</c>: Own hostname and NIS domain name.</summary>
    Uts,

    /// <summary><c>user</c>: Own user and group ids, mapped by linux.uidMappings/gidMappings.</summary>
    User,

    /// <summary><c>cgroup</c>: Own view of the cgroup hierarchy.</summary>
    Cgroup,

    /// <summary><c>time</c>: Own CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets (linux.timeOffsets).</summary>
    Time,
}
