using Kata.Sandbox.Configuration;
using Kata.Sandbox.RootfsImages;
using Serilog;

namespace Kata.Sandbox.Tests;

/// <summary>configuration.toml's settings for the `vm` sandbox's rootfs images: [runtime] image_cache_dir, [hypervisor] rootfs_format.</summary>
public class RootfsImageConfigurationTests
{
    private const string Path = "/etc/kata-style/configuration.toml";

    [Fact]
    public void TheDefaults_AreErofsImagesUnderVarLib()
    {
        KataConfiguration c = ConfigurationLoader.Parse("", Path);
        RootfsImageBuilder builder = c.CreateRootfsImageBuilder(new LoggerConfiguration().CreateLogger());
        Assert.Equal(("/var/lib/kata-style/images", RootfsImageFormat.Erofs), (builder.CacheDirectory, builder.Format));
    }

    [Fact]
    public void BothSettings_AreRead()
    {
        KataConfiguration c = ConfigurationLoader.Parse("""
            [runtime]
            image_cache_dir = "/srv/ks/images"

            [hypervisor]
            rootfs_format = "ext4"
            """, Path);
        Assert.Equal(("/srv/ks/images", RootfsImageFormat.Ext4), (c.ImageCacheDirectory, c.RootfsFormat));
    }

    [Theory]
    [InlineData("[hypervisor]\nrootfs_format = \"squashfs\"\n", "configuration.toml:2:1: [hypervisor] rootfs_format: \"squashfs\" is not a rootfs image format (expected \"erofs\" or \"ext4\")")]
    [InlineData("[runtime]\nimage_cache_dir = \"images\"\n", "configuration.toml:2:1: [runtime] image_cache_dir: \"images\" must be an absolute path")]
    public void BadValues_AreRefusedWithTheLine(string text, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Parse(text, "configuration.toml"));
        Assert.Equal(message, error.Message);
    }
}
