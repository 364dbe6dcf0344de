using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Boot;

/// <summary>
/// Writes what the kernel reads at entry: the command line, and either struct hvm_start_info (PVH) or struct
/// boot_params, the zero page (Linux 64-bit boot protocol).
/// </summary>
public static class BootConfigurator
{
    /// <summary>Protocol version a synthetic setup header claims for an ELF vmlinux (2.15, Linux 5.5+).</summary>
    public const ushort SyntheticHeaderVersion = 0x020f;
    /// <summary>
    /// heap_end_ptr: the end of the setup heap minus 0x200, as in boot.rst's sample boot configuration
    /// (heap_end = 0xe000). Only the real-mode setup uses the heap, which the 64-bit entry skips, but boot.rst asks
    /// a loader of protocol 2.01+ to set it.
    /// </summary>
    public const ushort HeapEndPointer = 0xe000 - 0x200;
    /// <summary>kernel_alignment for a synthetic header, as Firecracker writes it (16 MiB).</summary>
    public const uint SyntheticKernelAlignment = 0x0100_0000;

    /// <summary>Offset of the boot module list after hvm_start_info (8-byte aligned).</summary>
    internal static readonly int PvhModlistOffset = AlignUp(Unsafe.SizeOf<HvmStartInfo>(), 8);

    public static void Write(GuestMemory memory, KernelImage kernel, string cmdline, InitrdLocation? initrd,
        IReadOnlyList<E820Entry> e820)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(cmdline);
        ArgumentNullException.ThrowIfNull(e820);
        byte[] cmdlineBytes = EncodeCmdline(cmdline);
        memory.Write(Layout.CmdlineStart, cmdlineBytes);

        switch (kernel.Protocol)
        {
            case BootProtocol.Pvh:
                WritePvhStartInfo(memory, initrd, e820);
                break;
            case BootProtocol.Linux64:
                var zeroPage = BuildZeroPage(kernel, cmdlineBytes.Length - 1, initrd, e820);
                memory.Write(Layout.ZeroPageStart, zeroPage);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kernel), kernel.Protocol, "unknown boot protocol");
        }
    }

    /// <summary>
    /// The command line as the kernel copies it: bytes up to a NUL, at most COMMAND_LINE_SIZE (2048) with the NUL.
    /// </summary>
    internal static byte[] EncodeCmdline(string cmdline)
    {
        if (cmdline.Contains('\0'))
        {
            throw new VmConfigException(
                $"cmdline: contains a NUL character at position {cmdline.IndexOf('\0')}; the kernel would cut it there");
        }
        int length = Encoding.UTF8.GetByteCount(cmdline);
        if (length > Layout.CmdlineMaxSize - 1)
        {
            throw new VmConfigException(
                $"cmdline: {length} bytes is longer than the {Layout.CmdlineMaxSize - 1} Linux accepts (COMMAND_LINE_SIZE)");
        }
        var bytes = new byte[length + 1];
        Encoding.UTF8.GetBytes(cmdline, bytes);
        return bytes;
    }

    /// <summary>
    /// PVH start of day (xen/include/public/arch-x86/hvm/start_info.h): hvm_start_info at
    /// <see cref="Layout.PvhInfoStart"/>, then the module list (the initrd), then the memory map, all in the page
    /// below the zero page.
    /// </summary>
    private static void WritePvhStartInfo(GuestMemory memory, InitrdLocation? initrd, IReadOnlyList<E820Entry> e820)
    {
        int modules = initrd is null ? 0 : 1;
        int memmapOffset = PvhModlistOffset + modules * Unsafe.SizeOf<HvmModlistEntry>();
        int end = memmapOffset + e820.Count * Unsafe.SizeOf<HvmMemmapTableEntry>();
        if ((ulong)end > Layout.ZeroPageStart.OffsetFrom(Layout.PvhInfoStart) || e820.Count == 0)
        {
            throw new ArgumentException($"{e820.Count} memory map entries do not fit in the PVH start-info page", nameof(e820));
        }

        var page = new byte[end];
        GuestAddress start = Layout.PvhInfoStart;
        var info = new HvmStartInfo
        {
            Magic = HvmStartInfo.MagicValue,
            Version = 1,
            Flags = 0,
            NrModules = (uint)modules,
            ModlistPaddr = modules == 0 ? 0 : start.Value + (ulong)PvhModlistOffset,
            CmdlinePaddr = Layout.CmdlineStart.Value,
            RsdpPaddr = 0,
            MemmapPaddr = start.Value + (ulong)memmapOffset,
            MemmapEntries = (uint)e820.Count,
        };
        MemoryMarshal.Write(page, in info);
        if (initrd is not null)
        {
            var module = new HvmModlistEntry { Paddr = initrd.Address.Value, Size = initrd.Size };
            MemoryMarshal.Write(page.AsSpan(PvhModlistOffset), in module);
        }
        for (int i = 0; i < e820.Count; i++)
        {
            var entry = new HvmMemmapTableEntry { Addr = e820[i].Address, Size = e820[i].Size, Type = e820[i].Type };
            MemoryMarshal.Write(page.AsSpan(memmapOffset + i * Unsafe.SizeOf<HvmMemmapTableEntry>()), in entry);
        }
        memory.Write(start, page);
    }

    /// <summary>
    /// struct boot_params (zero-page.rst, boot.rst "64-bit BOOT PROTOCOL"). A bzImage's own setup header is copied
    /// in; an ELF vmlinux has none, so a minimal one is made up the way Firecracker does (boot_flag, "HdrS").
    /// </summary>
    internal static byte[] BuildZeroPage(KernelImage kernel, int cmdlineLength, InitrdLocation? initrd,
        IReadOnlyList<E820Entry> e820)
    {
        if (e820.Count > BootE820Table.MaxEntries)
        {
            throw new ArgumentException(
                $"{e820.Count} e820 entries do not fit in the zero page (at most {BootE820Table.MaxEntries})", nameof(e820));
        }
        var page = new byte[BootParams.Size];
        if (kernel.SetupHeader is byte[] header)
        {
            // Only the header: never past 0x290, where boot_params goes on (edd_mbr_sig_buffer, e820_table).
            int length = Math.Min(header.Length, 0x290 - SetupHeader.OffsetInBootParams);
            header.AsSpan(0, length).CopyTo(page.AsSpan(SetupHeader.OffsetInBootParams));
        }
        ref BootParams bootParams = ref MemoryMarshal.AsRef<BootParams>(page.AsSpan());
        ref SetupHeader hdr = ref bootParams.Hdr;

        if (kernel.SetupHeader is null)
        {
            hdr.BootFlag = SetupHeader.BootFlagMagic;
            hdr.Header = SetupHeader.HeaderMagic;
            hdr.Version = SyntheticHeaderVersion;
            hdr.KernelAlignment = SyntheticKernelAlignment;
            // The image sits above 1 MiB (boot.rst, loadflags bit 0 LOADED_HIGH).
            hdr.LoadFlags = LoadFlags.LoadedHigh;
            // cmdline_size (2.06+) is the kernel's limit without the NUL: COMMAND_LINE_SIZE - 1.
            hdr.CmdlineSize = Layout.CmdlineMaxSize - 1;
            hdr.InitrdAddrMax = (uint)Math.Min(kernel.InitrdAddressMax, uint.MaxValue);
        }
        else if (hdr.CmdlineSize != 0 && (uint)cmdlineLength > hdr.CmdlineSize)
        {
            throw new VmConfigException(
                $"cmdline: {cmdlineLength} bytes is longer than the {hdr.CmdlineSize} this kernel accepts (setup header cmdline_size)");
        }

        hdr.TypeOfLoader = SetupHeader.LoaderTypeUndefined;
        hdr.LoadFlags |= LoadFlags.CanUseHeap;
        hdr.HeapEndPtr = HeapEndPointer;
        ulong cmdlineAddress = Layout.CmdlineStart.Value;
        hdr.CmdLinePtr = (uint)cmdlineAddress;
        bootParams.ExtCmdLinePtr = (uint)(cmdlineAddress >> 32);
        if (initrd is not null)
        {
            hdr.RamdiskImage = (uint)initrd.Address.Value;
            bootParams.ExtRamdiskImage = (uint)(initrd.Address.Value >> 32);
            hdr.RamdiskSize = (uint)initrd.Size;
            bootParams.ExtRamdiskSize = (uint)(initrd.Size >> 32);
        }
        else
        {
            hdr.RamdiskImage = 0;
            hdr.RamdiskSize = 0;
        }

        bootParams.E820Entries = (byte)e820.Count;
        for (int i = 0; i < e820.Count; i++)
        {
            bootParams.E820Table[i] = new BootE820Entry { Address = e820[i].Address, Size = e820[i].Size, Type = e820[i].Type };
        }
        return page;
    }

    private static int AlignUp(int value, int alignment) => (value + alignment - 1) & ~(alignment - 1);
}
