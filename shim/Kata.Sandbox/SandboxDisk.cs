using System.Text;

namespace Kata.Sandbox;

/// <summary>
/// A host file the `vm` sandbox attaches as a virtio-blk disk (kata-style-vmm <c>--block PATH[,ro],serial=NAME</c>).
/// The guest finds it by its serial (VIRTIO_BLK_T_GET_ID, /sys/block/vdX/serial), never by its vdX letter.
/// </summary>
public sealed record SandboxDisk
{
    /// <summary>VIRTIO_BLK_ID_BYTES (virtio 1.2 §5.2.6): the longest serial GET_ID can return.</summary>
    public const int MaxSerialBytes = 20;

    public SandboxDisk(string path, string serial, bool readOnly)
    {
        if (!System.IO.Path.IsPathRooted(path) || path.Contains(','))
        {
            throw new ArgumentException($"disk image path \"{path}\" must be absolute and contain no comma (the VMM's --block separator)", nameof(path));
        }
        if (serial.Length == 0 || Encoding.UTF8.GetByteCount(serial) > MaxSerialBytes || serial.Any(c => c is < '!' or > '~' or ','))
        {
            throw new ArgumentException($"disk serial \"{serial}\" must be 1 to {MaxSerialBytes} printable ASCII characters without spaces or commas", nameof(serial));
        }
        Path = path;
        Serial = serial;
        ReadOnly = readOnly;
    }

    public string Path { get; }
    public string Serial { get; }
    public bool ReadOnly { get; }

    /// <summary>The value of the VMM's <c>--block</c> option.</summary>
    public string VmmArgument => $"{Path},{(ReadOnly ? "ro" : "rw")},serial={Serial}";
}
