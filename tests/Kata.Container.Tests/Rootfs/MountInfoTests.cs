using Kata.Container.Rootfs;

namespace Kata.Container.Tests.Rootfs;

public sealed class MountInfoTests
{
    [Fact]
    public void ParsesFieldsAfterOptionalTagsAndUnescapesOctal()
    {
        var entry = MountInfo.Parse(@"36 35 98:0 /mnt1 /mnt\040two rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue");

        Assert.Equal(36, entry.Id);
        Assert.Equal(35, entry.ParentId);
        Assert.Equal("/mnt two", entry.MountPoint);
        Assert.Equal("ext3", entry.FileSystemType);
        Assert.Equal("/dev/root", entry.Source);
        Assert.Equal("rw,noatime", entry.MountOptions);
        Assert.Equal("rw,errors=continue", entry.SuperOptions);
    }

    [Fact]
    public void MalformedLineIsAFormatError()
    {
        Assert.Throws<FormatException>(() => MountInfo.Parse("36 35 98:0 /mnt1"));
    }

    [Fact]
    public void ReadsThisProcesssTable()
    {
        Assert.Contains(MountInfo.Read(), entry => entry.MountPoint == "/");
    }
}
