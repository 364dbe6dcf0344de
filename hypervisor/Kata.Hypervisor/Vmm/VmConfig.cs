using Kata.Hypervisor.Devices.Virtio.Block;

namespace Kata.Hypervisor.Vmm;

/// <summary>Everything needed to build and boot one microVM. Validated by <see cref="Validate"/>.</summary>
public sealed record VmConfig
{
    public const int DefaultMemoryMib = 256;
    public const string DefaultCmdline = "console=ttyS0 reboot=k panic=1";

    /// <summary>Kernel image: ELF vmlinux (PVH note or 64-bit entry) or bzImage.</summary>
    public required string KernelPath { get; init; }
    public string? InitrdPath { get; init; }
    public string Cmdline { get; init; } = DefaultCmdline;
    public int Vcpus { get; init; } = 1;
    public int MemoryMib { get; init; } = DefaultMemoryMib;
    /// <summary>Where the UART's output goes.</summary>
    public SerialOutput Serial { get; init; } = SerialOutput.Stdout;
    /// <summary>For <see cref="SerialOutput.File"/>: the file to append to.</summary>
    public string? SerialPath { get; init; }
    /// <summary>Read guest serial input from this process's stdin (only with <see cref="SerialOutput.Stdout"/>).</summary>
    public bool SerialInputFromStdin { get; init; }
    /// <summary>The control API's Unix socket (see docs in hypervisor/README.md), or none.</summary>
    public string? ApiSocketPath { get; init; }
    /// <summary>
    /// For an ELF vmlinux that has both: boot through the PVH entry note (default) or the 64-bit entry with
    /// boot_params.
    /// </summary>
    public ElfBootMode ElfBoot { get; init; } = ElfBootMode.Pvh;
    /// <summary>Give the guest a virtio-rng device fed from the host's entropy source.</summary>
    public bool Rng { get; init; }
    /// <summary>virtio-blk disks, in the order the guest sees them (/dev/vda, /dev/vdb, …).</summary>
    public IReadOnlyList<BlockDeviceConfig> BlockDevices { get; init; } = [];
    /// <summary>The guest's context ID for virtio-vsock (3..2^32-2); set together with <see cref="VsockUdsPath"/>, or neither.</summary>
    public ulong? VsockCid { get; init; }
    /// <summary>
    /// The hybrid-vsock Unix socket (Firecracker's design): host programs connect here and send <c>CONNECT &lt;port&gt;\n</c>;
    /// a guest connection to port P goes to <c>PATH_P</c>.
    /// </summary>
    public string? VsockUdsPath { get; init; }

    public ulong MemoryBytes => (ulong)MemoryMib << 20;

    /// <summary>Host-side checks before anything is built; throws <see cref="VmConfigException"/> with what to fix.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(KernelPath))
        {
            throw new VmConfigException("kernel: a kernel image path is required (--kernel)");
        }
        if (!File.Exists(KernelPath))
        {
            throw new VmConfigException($"kernel: {KernelPath} does not exist");
        }
        if (InitrdPath is not null && !File.Exists(InitrdPath))
        {
            throw new VmConfigException($"initrd: {InitrdPath} does not exist");
        }
        if (Vcpus < 1 || Vcpus > 254)
        {
            throw new VmConfigException($"vcpus: {Vcpus} is out of range (1..254)");
        }
        if ((ulong)MemoryMib << 20 < Arch.X86_64.Layout.MinimumMemoryBytes || MemoryMib > 1 << 20)
        {
            throw new VmConfigException(
                $"memory-mib: {MemoryMib} MiB is out of range ({Arch.X86_64.Layout.MinimumMemoryBytes >> 20} MiB .. 1 TiB)");
        }
        if (Cmdline.Length + 1 > Arch.X86_64.Layout.CmdlineMaxSize)
        {
            throw new VmConfigException($"cmdline: {Cmdline.Length} bytes is longer than the {Arch.X86_64.Layout.CmdlineMaxSize - 1} Linux accepts");
        }
        if (Serial == SerialOutput.File && string.IsNullOrEmpty(SerialPath))
        {
            throw new VmConfigException("serial: a file path is required for file output");
        }
        ValidateVsock();
        foreach (BlockDeviceConfig block in BlockDevices)
        {
            try
            {
                // Opens and closes the image: the same checks as when the VM attaches it.
                using DiskImageFile image = DiskImageFile.Open(block.Path, block.ReadOnly, block.Serial);
            }
            catch (DiskImageException ex)
            {
                throw new VmConfigException($"block: {ex.Message}", ex);
            }
        }
    }

    private void ValidateVsock()
    {
        if (VsockCid is null && VsockUdsPath is null)
        {
            return;
        }
        if (VsockCid is not { } cid)
        {
            throw new VmConfigException("vsock-cid: a guest CID is required with --vsock-uds");
        }
        if (cid is < Devices.Virtio.Vsock.VsockCid.FirstGuest or > Devices.Virtio.Vsock.VsockCid.LastGuest)
        {
            throw new VmConfigException(
                $"vsock-cid: {cid} is reserved or out of range; use {Devices.Virtio.Vsock.VsockCid.FirstGuest}..{Devices.Virtio.Vsock.VsockCid.LastGuest}");
        }
        if (string.IsNullOrEmpty(VsockUdsPath))
        {
            throw new VmConfigException("vsock-uds: a Unix socket path is required with --vsock-cid");
        }
        if (!Devices.Virtio.Vsock.UnixStreamSocket.IsValidPath($"{VsockUdsPath}_{uint.MaxValue}"))
        {
            throw new VmConfigException($"vsock-uds: {VsockUdsPath} is too long: with a port suffix ('_{uint.MaxValue}') it must fit in 107 bytes");
        }
        string? directory = Path.GetDirectoryName(Path.GetFullPath(VsockUdsPath));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new VmConfigException($"vsock-uds: directory {directory} does not exist");
        }
    }
}
