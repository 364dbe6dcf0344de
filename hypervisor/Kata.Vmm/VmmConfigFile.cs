using System.Text.Json;
using Kata.Hypervisor.Devices.Virtio.Block;

namespace Kata.Vmm;

/// <summary>
/// The <c>--config FILE.json</c> form of the command line: the same settings under camelCase names. Unknown
/// properties are errors (a typo must not be ignored); relative paths are relative to the file's directory.
/// </summary>
public sealed record VmmConfigFile
{
    public string? Kernel { get; init; }
    public string? Initrd { get; init; }
    public string? Cmdline { get; init; }
    public int? Vcpus { get; init; }
    public int? MemoryMib { get; init; }
    /// <summary><c>stdout</c>, <c>none</c> or a file path, as <c>--serial</c>.</summary>
    public string? Serial { get; init; }
    public string? ApiSocket { get; init; }
    /// <summary><c>pvh</c> or <c>linux64</c>, as <c>--elf-boot</c>.</summary>
    public string? ElfBoot { get; init; }
    /// <summary>As <c>--rng</c>: a virtio-rng device.</summary>
    public bool? Rng { get; init; }
    /// <summary>As <c>--vsock-cid</c>: the guest's vsock context ID (with <see cref="VsockUds"/>).</summary>
    public ulong? VsockCid { get; init; }
    /// <summary>As <c>--vsock-uds</c>: the hybrid-vsock Unix socket path.</summary>
    public string? VsockUds { get; init; }
    /// <summary>As <c>--block</c>, repeated: <c>[{"path": "disk.img", "readOnly": true}]</c>.</summary>
    public IReadOnlyList<BlockDeviceConfig>? Block { get; init; }

    /// <summary>Reads and parses <paramref name="path"/>; throws <see cref="VmmUsageException"/> naming the file.</summary>
    public static VmmConfigFile Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new VmmUsageException($"--config: cannot read {path}: {ex.Message}", ex);
        }
        VmmConfigFile? file;
        try
        {
            file = JsonSerializer.Deserialize(bytes, VmmConfigJsonContext.Default.VmmConfigFile);
        }
        catch (JsonException ex)
        {
            throw new VmmUsageException($"--config: {path}: {ex.Message}", ex);
        }
        VmmConfigFile config = file ?? throw new VmmUsageException($"--config: {path}: expected a JSON object, found null");
        if (config.Block?.Any(b => b is null) == true)
        {
            throw new VmmUsageException($"--config: {path}: every \"block\" entry must be an object with a \"path\", found null");
        }
        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        return config with
        {
            Kernel = Resolve(directory, config.Kernel),
            Initrd = Resolve(directory, config.Initrd),
            ApiSocket = Resolve(directory, config.ApiSocket),
            VsockUds = Resolve(directory, config.VsockUds),
            Block = config.Block?.Select(b => b with { Path = Resolve(directory, b.Path) ?? b.Path }).ToList(),
            Serial = config.Serial is null || VmmSettingValues.IsSerialKeyword(config.Serial) ? config.Serial : Resolve(directory, config.Serial),
        };
    }

    private static string? Resolve(string directory, string? path) =>
        string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.Combine(directory, path);
}
