using Kata.Shim.Interop;
using Kata.Shim.Rootfs;

namespace Kata.Shim.Tests.Unit;

public sealed class MountOptionsTests
{
    [Fact]
    public void Overlay_options_become_data_and_flags()
    {
        MountOptions o = MountOptions.Parse(["index=off", "workdir=/w", "upperdir=/u", "lowerdir=/l1:/l2", "ro", "nosuid"]);
        Assert.Equal("index=off,workdir=/w,upperdir=/u,lowerdir=/l1:/l2", o.Data);
        Assert.Equal(Libc.MS_RDONLY | Libc.MS_NOSUID, o.Flags);
        Assert.True(o.ReadOnly);
        Assert.False(o.Bind);
    }

    [Fact]
    public void Rbind_and_rw_are_understood()
    {
        MountOptions o = MountOptions.Parse(["ro", "rbind", "rw"]);
        Assert.True(o.Bind);
        Assert.True(o.Recursive);
        Assert.False(o.ReadOnly);
        Assert.Equal("", o.Data);
    }
}
