using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Kata.Agent.Protocol;
using Kata.Sandbox.RootfsImages;
using Serilog;

namespace Kata.Sandbox.GuestRootfs;

/// <summary>
/// How a container's root filesystem reaches the agent, decided in one place for the shim and the CLI.
/// `process` sandbox: the agent runs on the host and uses the host directory as it is. `vm` sandbox: the directory
/// becomes a cached read-only image (<see cref="RootfsImageBuilder"/>) attached as a virtio-blk disk when the VM
/// starts, the agent builds the rootfs from <see cref="GuestRootfsLayout.Storages"/>, and root.path points there;
/// mounts the VM cannot honour are refused first (<see cref="GuestMountPolicy"/>).
/// </summary>
public sealed class ContainerRootfs
{
    private readonly byte[] _specJson;

    private ContainerRootfs(byte[] specJson, IReadOnlyList<Storage> storages, IReadOnlyList<SandboxDisk> disks, RootfsImage? image)
    {
        _specJson = specJson;
        Storages = storages;
        Disks = disks;
        Image = image;
    }

    /// <summary>The disks the sandbox must be started with (empty for the process sandbox).</summary>
    public IReadOnlyList<SandboxDisk> Disks { get; }
    /// <summary>The storages CreateContainer must carry, in mount order.</summary>
    public IReadOnlyList<Storage> Storages { get; }
    /// <summary>The image built or reused (vm only).</summary>
    public RootfsImage? Image { get; }
    /// <summary>config.json as the agent must see it (root.path where the agent will find the rootfs).</summary>
    public ReadOnlySpan<byte> SpecJson => _specJson;

    /// <summary>
    /// Prepares the rootfs of container <paramref name="containerId"/> for the pod's first container (the one the
    /// sandbox is started for). <paramref name="specJson"/> is config.json; <paramref name="hostRootfs"/> the host
    /// directory holding its root filesystem (absolute).
    /// </summary>
    public static ContainerRootfs ForNewSandbox(SandboxKind kind, string containerId, ReadOnlySpan<byte> specJson, string hostRootfs,
        Func<RootfsImageBuilder> images, ILogger log)
    {
        JsonObject spec = Parse(containerId, specJson);
        if (kind == SandboxKind.Process)
        {
            return new ContainerRootfs(WithRootPath(spec, hostRootfs), [], [], null);
        }
        GuestMountPolicy.EnsureShareable(containerId, spec);
        RootfsImage image = images().Build(hostRootfs);
        log.Information("container {Container}: rootfs image {Image} ({Format}, {Bytes} bytes, {Cache}) attached as disk {Serial}",
            containerId, image.Path, image.Format, image.SizeBytes, image.CacheHit ? "cached" : "built", GuestRootfsLayout.DiskSerial(containerId));
        return new ContainerRootfs(WithRootPath(spec, GuestRootfsLayout.RootfsDirectory(containerId)),
            GuestRootfsLayout.Storages(containerId, image), [GuestRootfsLayout.Disk(containerId, image)], image);
    }

    /// <summary>
    /// Prepares a container added to an already running sandbox. A running VM cannot take another disk
    /// (kata-style-vmm has no virtio-blk hotplug yet), so the vm sandbox refuses it with the reason.
    /// </summary>
    public static ContainerRootfs ForRunningSandbox(ISandbox sandbox, string containerId, ReadOnlySpan<byte> specJson, string hostRootfs)
    {
        if (sandbox.Kind == SandboxKind.Vm)
        {
            throw new NotSupportedException(
                $"container {containerId}: cannot be added to the running vm sandbox {sandbox.Id}: its rootfs needs a new virtio-blk disk and kata-style-vmm cannot hotplug disks yet (only a pod's first container runs in a VM)");
        }
        return new ContainerRootfs(WithRootPath(Parse(containerId, specJson), hostRootfs), [], [], null);
    }

    /// <summary>Puts the spec and the storages into a CreateContainer request.</summary>
    public void ApplyTo(CreateContainerRequest request)
    {
        request.OciSpecJson = ByteString.CopyFrom(_specJson);
        request.Storages.Clear();
        request.Storages.AddRange(Storages);
    }

    private static JsonObject Parse(string containerId, ReadOnlySpan<byte> specJson)
    {
        try
        {
            return JsonNode.Parse(specJson) as JsonObject
                ?? throw new FormatException($"container {containerId}: config.json is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"container {containerId}: config.json is malformed: {e.Message}", e);
        }
    }

    /// <summary>The spec with root.path replaced; every other member kept as it was.</summary>
    private static byte[] WithRootPath(JsonObject spec, string rootPath)
    {
        var copy = (JsonObject)spec.DeepClone();
        if (copy["root"] is not JsonObject root)
        {
            root = new JsonObject();
            copy["root"] = root;
        }
        root["path"] = rootPath;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            copy.WriteTo(writer);
        }
        return buffer.ToArray();
    }
}
