using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kata.Sandbox.GuestRootfs;

/// <summary>
/// Which of a spec's mounts (OCI runtime-spec config.md "Mounts") a `vm` sandbox can honour. Filesystems the guest
/// kernel makes itself (proc, sysfs, tmpfs, devpts, mqueue, cgroup, cgroup2) are fine. Anything whose source is on the
/// host (a bind mount of a volume, a host block device) cannot be shared into the VM yet (no virtio-fs or 9p): such a
/// mount is refused with an error naming its destination, never dropped.
/// </summary>
public static class GuestMountPolicy
{
    private static readonly HashSet<string> GuestMadeTypes = new(StringComparer.Ordinal)
    {
        "proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2",
    };

    /// <summary>Throws <see cref="NotSupportedException"/> for the first mount the VM cannot have.</summary>
    public static void EnsureShareable(string containerId, JsonObject spec)
    {
        if (spec["mounts"] is not JsonArray mounts)
        {
            return;
        }
        foreach (JsonNode? node in mounts)
        {
            if (node is not JsonObject mount)
            {
                continue;
            }
            string destination = Text(mount["destination"]) ?? "(no destination)";
            string type = Text(mount["type"]) ?? "";
            string source = Text(mount["source"]) ?? "";
            bool bind = type is "bind" or "rbind"
                || (mount["options"] is JsonArray options && options.Any(o => Text(o) is "bind" or "rbind"));
            if (bind)
            {
                throw new NotSupportedException(
                    $"container {containerId}: mount {destination} is a bind mount of the host's {source}: a vm sandbox cannot share host directories with the guest yet (no virtio-fs); remove the volume or use sandbox = \"process\"");
            }
            if (!GuestMadeTypes.Contains(type))
            {
                throw new NotSupportedException(
                    $"container {containerId}: mount {destination} of type \"{type}\" (source {source}) needs the host's filesystem, which a vm sandbox cannot share with the guest yet; only {string.Join(", ", GuestMadeTypes)} mounts work in a VM");
            }
        }
    }

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
}
