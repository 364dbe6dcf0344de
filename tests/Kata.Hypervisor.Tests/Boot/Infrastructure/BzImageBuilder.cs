using System.Buffers.Binary;
using System.Text;

namespace Kata.Hypervisor.Tests.Boot.Infrastructure;

/// <summary>
/// Builds a minimal fake bzImage: boot sector + setup sectors with a real setup header at the absolute offsets of
/// Documentation/arch/x86/boot.rst (written byte by byte, independently of the product's SetupHeader struct), then
/// the "protected-mode kernel" payload.
/// </summary>
public sealed class BzImageBuilder
{
    /// <summary>End of a protocol 2.15 setup header (kernel_info_offset is the last field, at 0x268).</summary>
    public const int HeaderEnd = 0x26c;

    public byte SetupSects { get; set; } = 4;
    public ushort Version { get; set; } = 0x020f;
    public ushort XLoadFlags { get; set; } = 0x0001 | 0x0002;
    public byte RelocatableKernel { get; set; } = 1;
    public ulong PrefAddress { get; set; } = 0x100_0000;
    public uint KernelAlignment { get; set; } = 0x20_0000;
    public uint InitSize { get; set; } = 0x40_0000;
    public uint InitrdAddrMax { get; set; } = 0x7fff_ffff;
    public uint CmdlineSize { get; set; } = 2047;
    public byte LoadFlags { get; set; } = 0x01;
    public string? KernelVersion { get; set; } = "6.12.0-test (builder@test) #1 SMP";
    public byte[] Payload { get; set; } = Enumerable.Range(0, 8192).Select(i => (byte)(i * 7 + 3)).ToArray();
    public bool WithBootFlag { get; set; } = true;
    public bool WithHeaderMagic { get; set; } = true;

    public int SetupBytes => ((SetupSects == 0 ? 4 : SetupSects) + 1) * 512;

    public byte[] Build()
    {
        var image = new byte[SetupBytes + Payload.Length];
        Span<byte> s = image;
        s[0x1f1] = SetupSects;
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x1f4..], (uint)((Payload.Length + 15) / 16)); // syssize
        if (WithBootFlag)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s[0x1fe..], 0xaa55);
        }
        s[0x200] = 0xeb;                      // jmp short
        s[0x201] = HeaderEnd - 0x202;         // over the header
        if (WithHeaderMagic)
        {
            "HdrS"u8.CopyTo(s[0x202..]);
        }
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x206..], Version);
        s[0x211] = LoadFlags;
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x214..], 0x10_0000);   // code32_start
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x22c..], InitrdAddrMax);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x230..], KernelAlignment);
        s[0x234] = RelocatableKernel;
        s[0x235] = 21;                                                   // min_alignment (2 MiB)
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x236..], XLoadFlags);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x238..], CmdlineSize);
        BinaryPrimitives.WriteUInt64LittleEndian(s[0x258..], PrefAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x260..], InitSize);
        if (KernelVersion is not null)
        {
            const int versionAt = 0x400;      // inside the setup sectors
            Encoding.ASCII.GetBytes(KernelVersion).CopyTo(s[versionAt..]);
            BinaryPrimitives.WriteUInt16LittleEndian(s[0x20e..], versionAt - 0x200);
        }
        Payload.CopyTo(s[SetupBytes..]);
        return image;
    }
}
