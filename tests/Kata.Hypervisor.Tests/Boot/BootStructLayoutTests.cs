using System.Runtime.CompilerServices;
using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Tests.Boot.Infrastructure;

namespace Kata.Hypervisor.Tests.Boot;

/// <summary>The boot-protocol structs against the offsets in zero-page.rst, boot.rst and xen's start_info.h.</summary>
public class BootStructLayoutTests
{
    [Fact]
    public void BootParams_Is4KiB_WithFieldsAtZeroPageOffsets()
    {
        Assert.Equal(4096, Unsafe.SizeOf<BootParams>());
        var p = new BootParams();
        Assert.Equal(0x070, FieldOffsets.Of(ref p, ref p.AcpiRsdpAddr));
        Assert.Equal(0x0c0, FieldOffsets.Of(ref p, ref p.ExtRamdiskImage));
        Assert.Equal(0x0c4, FieldOffsets.Of(ref p, ref p.ExtRamdiskSize));
        Assert.Equal(0x0c8, FieldOffsets.Of(ref p, ref p.ExtCmdLinePtr));
        Assert.Equal(0x1e8, FieldOffsets.Of(ref p, ref p.E820Entries));
        Assert.Equal(0x1ef, FieldOffsets.Of(ref p, ref p.Sentinel));
        Assert.Equal(0x1f1, FieldOffsets.Of(ref p, ref p.Hdr));
        Assert.Equal(0x2d0, FieldOffsets.Of(ref p, ref p.E820Table));
        Assert.Equal(0x2d0 + 20, FieldOffsets.Of(ref p, ref p.E820Table[1]));
        Assert.Equal(0xcd0, 0x2d0 + Unsafe.SizeOf<BootE820Table>());
    }

    [Fact]
    public void SetupHeader_FieldsAtBootProtocolOffsets()
    {
        Assert.Equal(0x26c - 0x1f1, Unsafe.SizeOf<SetupHeader>());
        var p = new BootParams();
        ref SetupHeader h = ref p.Hdr;
        (int Expected, int Actual)[] fields =
        [
            (0x1f1, FieldOffsets.Of(ref p, ref h.SetupSects)),
            (0x1f4, FieldOffsets.Of(ref p, ref h.Syssize)),
            (0x1fe, FieldOffsets.Of(ref p, ref h.BootFlag)),
            (0x200, FieldOffsets.Of(ref p, ref h.Jump)),
            (0x202, FieldOffsets.Of(ref p, ref h.Header)),
            (0x206, FieldOffsets.Of(ref p, ref h.Version)),
            (0x20e, FieldOffsets.Of(ref p, ref h.KernelVersion)),
            (0x210, FieldOffsets.Of(ref p, ref h.TypeOfLoader)),
            (0x211, FieldOffsets.Of(ref p, ref h.LoadFlags)),
            (0x214, FieldOffsets.Of(ref p, ref h.Code32Start)),
            (0x218, FieldOffsets.Of(ref p, ref h.RamdiskImage)),
            (0x21c, FieldOffsets.Of(ref p, ref h.RamdiskSize)),
            (0x224, FieldOffsets.Of(ref p, ref h.HeapEndPtr)),
            (0x228, FieldOffsets.Of(ref p, ref h.CmdLinePtr)),
            (0x22c, FieldOffsets.Of(ref p, ref h.InitrdAddrMax)),
            (0x230, FieldOffsets.Of(ref p, ref h.KernelAlignment)),
            (0x234, FieldOffsets.Of(ref p, ref h.RelocatableKernel)),
            (0x236, FieldOffsets.Of(ref p, ref h.XLoadFlags)),
            (0x238, FieldOffsets.Of(ref p, ref h.CmdlineSize)),
            (0x250, FieldOffsets.Of(ref p, ref h.SetupData)),
            (0x258, FieldOffsets.Of(ref p, ref h.PrefAddress)),
            (0x260, FieldOffsets.Of(ref p, ref h.InitSize)),
            (0x264, FieldOffsets.Of(ref p, ref h.HandoverOffset)),
            (0x268, FieldOffsets.Of(ref p, ref h.KernelInfoOffset)),
        ];
        foreach ((int expected, int actual) in fields)
        {
            Assert.Equal($"0x{expected:x}", $"0x{actual:x}");
        }
    }

    [Fact]
    public void BootE820Entry_IsPacked20Bytes()
    {
        Assert.Equal(20, Unsafe.SizeOf<BootE820Entry>());
        var e = new BootE820Entry();
        Assert.Equal(16, FieldOffsets.Of(ref e, ref e.Type));
    }

    [Fact]
    public void HvmStartInfo_MatchesXenStartInfoH()
    {
        Assert.Equal(56, Unsafe.SizeOf<HvmStartInfo>());
        var s = new HvmStartInfo();
        Assert.Equal(0x00, FieldOffsets.Of(ref s, ref s.Magic));
        Assert.Equal(0x04, FieldOffsets.Of(ref s, ref s.Version));
        Assert.Equal(0x08, FieldOffsets.Of(ref s, ref s.Flags));
        Assert.Equal(0x0c, FieldOffsets.Of(ref s, ref s.NrModules));
        Assert.Equal(0x10, FieldOffsets.Of(ref s, ref s.ModlistPaddr));
        Assert.Equal(0x18, FieldOffsets.Of(ref s, ref s.CmdlinePaddr));
        Assert.Equal(0x20, FieldOffsets.Of(ref s, ref s.RsdpPaddr));
        Assert.Equal(0x28, FieldOffsets.Of(ref s, ref s.MemmapPaddr));
        Assert.Equal(0x30, FieldOffsets.Of(ref s, ref s.MemmapEntries));
        Assert.Equal(0x34, FieldOffsets.Of(ref s, ref s.Reserved));
    }

    [Fact]
    public void HvmModlistAndMemmapEntries_MatchXenStartInfoH()
    {
        Assert.Equal(32, Unsafe.SizeOf<HvmModlistEntry>());
        Assert.Equal(24, Unsafe.SizeOf<HvmMemmapTableEntry>());
        var m = new HvmModlistEntry();
        Assert.Equal(0x08, FieldOffsets.Of(ref m, ref m.Size));
        Assert.Equal(0x10, FieldOffsets.Of(ref m, ref m.CmdlinePaddr));
        var e = new HvmMemmapTableEntry();
        Assert.Equal(0x08, FieldOffsets.Of(ref e, ref e.Size));
        Assert.Equal(0x10, FieldOffsets.Of(ref e, ref e.Type));
        Assert.Equal(0x14, FieldOffsets.Of(ref e, ref e.Reserved));
    }
}
