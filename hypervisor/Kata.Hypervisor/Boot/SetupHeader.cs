using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Boot;

/// <summary>
/// struct setup_header (arch/x86/include/uapi/asm/bootparam.h), the "real-mode kernel header" of
/// Documentation/arch/x86/boot.rst, as it sits at offset 0x1f1 of both a bzImage and the zero page. Packed: the
/// offsets in the comments are the absolute boot.rst offsets (header offset + 0x1f1). 0x7b bytes for protocol 2.15.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct SetupHeader
{
    /// <summary>Offset of the setup header in a bzImage and in struct boot_params.</summary>
    public const int OffsetInBootParams = 0x1f1;
    /// <summary>boot_flag: 0xAA55, the boot sector signature at 0x1fe.</summary>
    public const ushort BootFlagMagic = 0xaa55;
    /// <summary>header: "HdrS" (0x53726448) at 0x202.</summary>
    public const uint HeaderMagic = 0x5372_6448;
    /// <summary>type_of_loader 0xff: "undefined" boot loader (boot.rst, "type_of_loader").</summary>
    public const byte LoaderTypeUndefined = 0xff;

    public byte SetupSects;            // 0x1f1
    public ushort RootFlags;           // 0x1f2
    public uint Syssize;               // 0x1f4
    public ushort RamSize;             // 0x1f8
    public ushort VidMode;             // 0x1fa
    public ushort RootDev;             // 0x1fc
    public ushort BootFlag;            // 0x1fe
    public ushort Jump;                // 0x200
    public uint Header;                // 0x202
    public ushort Version;             // 0x206
    public uint RealmodeSwtch;         // 0x208
    public ushort StartSysSeg;         // 0x20c
    public ushort KernelVersion;       // 0x20e
    public byte TypeOfLoader;          // 0x210
    public LoadFlags LoadFlags;        // 0x211
    public ushort SetupMoveSize;       // 0x212
    public uint Code32Start;           // 0x214
    public uint RamdiskImage;          // 0x218
    public uint RamdiskSize;           // 0x21c
    public uint BootsectKludge;        // 0x220
    public ushort HeapEndPtr;          // 0x224
    public byte ExtLoaderVer;          // 0x226
    public byte ExtLoaderType;         // 0x227
    public uint CmdLinePtr;            // 0x228
    public uint InitrdAddrMax;         // 0x22c
    public uint KernelAlignment;       // 0x230
    public byte RelocatableKernel;     // 0x234
    public byte MinAlignment;          // 0x235
    public XLoadFlags XLoadFlags;      // 0x236
    public uint CmdlineSize;           // 0x238
    public uint HardwareSubarch;       // 0x23c
    public ulong HardwareSubarchData;  // 0x240
    public uint PayloadOffset;         // 0x248
    public uint PayloadLength;         // 0x24c
    public ulong SetupData;            // 0x250
    public ulong PrefAddress;          // 0x258
    public uint InitSize;              // 0x260
    public uint HandoverOffset;        // 0x264
    public uint KernelInfoOffset;      // 0x268
}
