using Kata.Container.Interop;
using Kata.Container.Rootfs;

namespace Kata.Container.Tests.Rootfs;

public sealed class MountOptionsTests
{
    [Fact]
    public void FlagsPropagationAndDataAreSeparated()
    {
        var options = MountOptions.Parse(["nosuid", "noexec", "rbind", "ro", "rslave", "mode=755", "size=65536k"], "/x");

        Assert.Equal(LinuxConstants.MS_NOSUID | LinuxConstants.MS_NOEXEC | LinuxConstants.MS_BIND | LinuxConstants.MS_REC | LinuxConstants.MS_RDONLY,
            options.Flags);
        Assert.Equal([LinuxConstants.MS_SLAVE | LinuxConstants.MS_REC], options.Propagation);
        Assert.Equal("mode=755,size=65536k", options.Data);
        Assert.True(options.IsBind);
    }

    [Fact]
    public void LaterOptionsClearEarlierOnes()
    {
        var options = MountOptions.Parse(["ro", "nodev", "rw", "dev", "relatime"], "/x");
        Assert.Equal(LinuxConstants.MS_RELATIME, options.Flags);
        Assert.Null(options.Data);
    }

    [Fact]
    public void BadPropagationAndIdmapAreRefusedByName()
    {
        var propagation = Assert.Throws<ContainerConfigException>(() => MountOptions.ParsePropagation("sideways"));
        Assert.Contains("sideways", propagation.Message);
        var idmap = Assert.Throws<NotSupportedException>(() => MountOptions.Parse(["idmap"], "/data"));
        Assert.Contains("/data", idmap.Message);
    }
}
