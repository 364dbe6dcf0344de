using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Memory;
using Microsoft.Win32.SafeHandles;

namespace Kata.Hypervisor.Boot;

/// <summary>
/// Loads a bzImage for the 64-bit boot protocol (Documentation/arch/x86/boot.rst, "64-bit BOOT PROTOCOL"): the
/// real-mode setup (boot sector + setup_sects sectors) is not run; its header is kept for the zero page, and the
/// protected-mode kernel is loaded high and entered at its load address + 0x200.
/// </summary>
internal static class BzImageLoader
{
    /// <summary>Offset of the 0x55AA boot sector signature (boot_flag).</summary>
    public const int BootFlagOffset = 0x1fe;
    /// <summary>Offset of the "HdrS" magic (header).</summary>
    public const int HeaderMagicOffset = 0x202;
    /// <summary>The 64-bit entry point is at this offset from the protected-mode load address (boot.rst).</summary>
    public const ulong Entry64Offset = 0x200;
    /// <summary>
    /// The setup header may extend to here at most: boot_params continues with _pad7 and edd_mbr_sig_buffer at
    /// 0x290 (zero-page.rst), which a header copy must not overwrite.
    /// </summary>
    private const int MaxHeaderEnd = 0x290;
    /// <summary>Minimum protocol: 2.06 is the first with cmdline_size; 2.12 adds xloadflags and XLF_KERNEL_64.</summary>
    private const ushort MinimumVersion = 0x0206;
    private const ushort XLoadFlagsVersion = 0x020c;

    /// <summary>True if the file starts like a bzImage: 0xAA55 at 0x1fe and "HdrS" at 0x202 (boot.rst).</summary>
    public static bool HasMagic(ReadOnlySpan<byte> file) =>
        file.Length >= HeaderMagicOffset + 4
        && BinaryPrimitives.ReadUInt16LittleEndian(file[BootFlagOffset..]) == SetupHeader.BootFlagMagic
        && BinaryPrimitives.ReadUInt32LittleEndian(file[HeaderMagicOffset..]) == SetupHeader.HeaderMagic;

    public static KernelImage Load(GuestMemory memory, string path, SafeFileHandle file, long fileLength,
        ReadOnlySpan<byte> prefix)
    {
        SetupHeader header = ReadHeader(prefix);
        string version = $"{header.Version >> 8}.{header.Version & 0xff:00}";
        if (header.Version < MinimumVersion)
        {
            throw new KernelLoadException(
                $"{path} is a bzImage with boot protocol {version}, too old: kata-style needs 2.06 or newer "
                + "(and 2.12+ for the 64-bit entry)");
        }
        if (header.Version < XLoadFlagsVersion || (header.XLoadFlags & XLoadFlags.Kernel64) == 0)
        {
            throw new KernelLoadException(
                $"{path} is a bzImage (boot protocol {version}) without the 64-bit entry point (XLF_KERNEL_64 "
                + "not set in xloadflags): kata-style boots x86_64 kernels only; build the kernel for x86_64");
        }

        // setup_sects: number of 512-byte setup sectors after the boot sector; 0 means 4 (boot.rst, "setup_sects").
        int setupSectors = header.SetupSects == 0 ? 4 : header.SetupSects;
        long setupBytes = (setupSectors + 1) * 512L;
        if (fileLength <= setupBytes)
        {
            throw new KernelLoadException(
                $"{path} is a truncated bzImage: its setup is {setupBytes} bytes but the file has {fileLength}, "
                + "leaving no protected-mode kernel");
        }
        var setup = new byte[setupBytes];
        if (GuestRam.ReadPrefix(file, 0, setup) != setup.Length)
        {
            throw new KernelLoadException($"{path} is truncated: cannot read its {setupBytes}-byte setup");
        }

        // The header ends at 0x202 + the byte at 0x201 (the jump at 0x200 skips over it; boot.rst, "THE REAL-MODE
        // KERNEL HEADER").
        int headerEnd = Math.Min(HeaderMagicOffset + setup[0x201], MaxHeaderEnd);
        if (headerEnd < HeaderMagicOffset + 4)
        {
            throw new KernelLoadException($"{path}: bzImage setup header length byte at 0x201 is implausible ({setup[0x201]})");
        }
        byte[] headerBytes = setup.AsSpan(SetupHeader.OffsetInBootParams, headerEnd - SetupHeader.OffsetInBootParams).ToArray();

        ulong payloadOffset = (ulong)setupBytes;
        ulong payloadBytes = (ulong)fileLength - payloadOffset;
        (GuestAddress loadAddress, GuestAddress loadEnd) = ChooseLoadAddress(memory, path, header, payloadBytes);

        GuestRam.CopyFromFile(memory, loadAddress, file, (long)payloadOffset, payloadBytes, path);

        string? kernelVersion = KernelVersionString(setup, header);
        return new KernelImage
        {
            Protocol = BootProtocol.Linux64,
            Entry = loadAddress.Add(Entry64Offset),
            LoadStart = loadAddress,
            LoadEnd = loadEnd,
            Description = kernelVersion is null ? $"bzImage {version}" : $"bzImage {version} ({kernelVersion})",
            SetupHeader = headerBytes,
            InitrdAddressMax = header.InitrdAddrMax,
        };
    }

    /// <summary>The setup header from the first bytes of the file; fields past the end of a short file read as 0.</summary>
    private static SetupHeader ReadHeader(ReadOnlySpan<byte> prefix)
    {
        Span<byte> bytes = stackalloc byte[Unsafe.SizeOf<SetupHeader>()];
        bytes.Clear();
        if (prefix.Length > SetupHeader.OffsetInBootParams)
        {
            ReadOnlySpan<byte> available = prefix[SetupHeader.OffsetInBootParams..];
            available[..Math.Min(available.Length, bytes.Length)].CopyTo(bytes);
        }
        return MemoryMarshal.Read<SetupHeader>(bytes);
    }

    /// <summary>
    /// Where the protected-mode kernel goes, and where the memory it needs ends. boot.rst ("init_size"): the kernel
    /// needs init_size bytes from its runtime start, which for a relocatable kernel is
    /// align_up(max(load address, pref_address), kernel_alignment) and otherwise pref_address. We load at
    /// pref_address when the kernel is relocatable and that fits, else at the traditional 1 MiB (code32_start's
    /// default), from where a non-relocatable kernel moves itself to pref_address.
    /// </summary>
    private static (GuestAddress Load, GuestAddress End) ChooseLoadAddress(GuestMemory memory, string path,
        SetupHeader header, ulong payloadBytes)
    {
        ulong oneMiB = Layout.HighMemoryStart.Value;
        bool relocatable = header.RelocatableKernel != 0;
        ulong preferred = header.PrefAddress >= oneMiB ? header.PrefAddress : oneMiB;
        ulong alignment = header.KernelAlignment;
        if (relocatable && (alignment == 0 || (alignment & (alignment - 1)) != 0))
        {
            throw new KernelLoadException($"{path}: bzImage kernel_alignment 0x{alignment:x} is not a power of two");
        }

        ulong load = relocatable && preferred <= ulong.MaxValue - payloadBytes
            && GuestRam.IsRam(memory, new GuestAddress(preferred), payloadBytes) ? preferred : oneMiB;
        if (!GuestRam.IsRam(memory, new GuestAddress(load), payloadBytes))
        {
            throw new KernelLoadException(
                $"{path}: the bzImage's kernel of {ByteCount.Describe(payloadBytes)} does not fit at 0x{load:x} in the "
                + $"guest's {memory.TotalSize >> 20} MiB of memory: give the VM more memory (--memory-mib)");
        }

        ulong runtimeStart = relocatable ? AlignUp(Math.Max(load, preferred), alignment) : preferred;
        ulong initSize = header.InitSize;
        if (runtimeStart > ulong.MaxValue - initSize || !GuestRam.IsRam(memory, new GuestAddress(runtimeStart), initSize))
        {
            throw new KernelLoadException(
                $"{path}: the bzImage needs {ByteCount.Describe(initSize)} of memory from 0x{runtimeStart:x} to "
                + $"decompress (init_size), more than the guest's {memory.TotalSize >> 20} MiB: give the VM more memory (--memory-mib)");
        }
        ulong end = Math.Max(load + payloadBytes, runtimeStart + initSize);
        return (new GuestAddress(load), new GuestAddress(end));
    }

    private static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) & ~(alignment - 1);

    /// <summary>
    /// The kernel version string: kernel_version (0x20e) is its offset minus 0x200 in the setup (boot.rst,
    /// "kernel_version"). Null if absent or not printable.
    /// </summary>
    private static string? KernelVersionString(ReadOnlySpan<byte> setup, SetupHeader header)
    {
        if (header.KernelVersion == 0)
        {
            return null;
        }
        int start = header.KernelVersion + 0x200;
        if (start >= setup.Length)
        {
            return null;
        }
        ReadOnlySpan<byte> text = setup[start..];
        text = text[..Math.Min(text.Length, 128)];
        int end = text.IndexOf((byte)0);
        if (end <= 0)
        {
            return null;
        }
        text = text[..end];
        foreach (byte b in text)
        {
            if (b < 0x20 || b > 0x7e)
            {
                return null;
            }
        }
        // "6.12.57 (kata-style@kata-style) #1 SMP ...": the release is enough.
        string version = Encoding.ASCII.GetString(text);
        int space = version.IndexOf(' ');
        return space > 0 ? version[..space] : version;
    }
}
