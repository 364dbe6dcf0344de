using Kata.Sandbox.RootfsImages;
using Kata.Sandbox.Tests.Infrastructure;
using Serilog;

namespace Kata.Sandbox.Tests;

/// <summary>
/// The `vm` sandbox's rootfs images, built for real with mkfs.erofs / mkfs.ext4 and loop-mounted on the host, the way
/// the guest kernel will mount the disk.
/// </summary>
public class RootfsImageBuilderTests
{
    private static readonly ILogger Log = new LoggerConfiguration().CreateLogger();

    private static void RequireRootAndTool(RootfsImageFormat format)
    {
        if (!HostCommand.IsRoot)
        {
            Assert.Skip("needs root (owners, device nodes, loop mounts)");
        }
        string tool = format == RootfsImageFormat.Erofs ? "mkfs.erofs" : "mkfs.ext4";
        if (!File.Exists("/usr/sbin/" + tool) && !File.Exists("/sbin/" + tool) && !File.Exists("/usr/bin/" + tool))
        {
            Assert.Skip($"{tool} is not installed (`make deps` installs it)");
        }
    }

    [Theory]
    [InlineData(RootfsImageFormat.Erofs, "erofs")]
    [InlineData(RootfsImageFormat.Ext4, "ext4")]
    public void TheImage_LoopMounted_HasTheSameTreeAsTheSource(RootfsImageFormat format, string fsType)
    {
        RequireRootAndTool(format);
        using var scratch = new ScratchDirectory();
        var source = new SampleRootfs(Path.Combine(scratch.Path, "rootfs"));
        var builder = new RootfsImageBuilder(Path.Combine(scratch.Path, "cache"), format, Log);

        RootfsImage image = builder.Build(source.Path);

        Assert.False(image.CacheHit);
        Assert.Equal(fsType, image.FilesystemType);
        Assert.Equal(Path.Combine(scratch.Path, "cache", image.Key + "." + fsType), image.Path);
        Assert.Equal(0, image.SizeBytes % 512);
        Assert.Equal("444", HostCommand.Run("stat", "-c", "%a", image.Path));
        using HostMount mounted = HostMount.LoopReadOnly(image.Path, fsType, Path.Combine(scratch.Path, "mnt"));
        IReadOnlyList<string> expected = TreeListing.Of(source.Path);
        // ext4 adds its lost+found directory; nothing else may differ.
        IReadOnlyList<string> actual = TreeListing.Of(mounted.Target).Where(line => !line.StartsWith("lost+found ", StringComparison.Ordinal)).ToList();
        Assert.Equal(expected, actual);
        Assert.Contains(expected, line => line.StartsWith("bin/setuid-tool f 4755 0:0 ", StringComparison.Ordinal));
        Assert.Contains("etc/dangling l 777 1000:100 ../nowhere/at/all", expected);
        Assert.Contains("dev/null c 666 0:0 1:3", expected);
    }

    [Fact]
    public void ASecondBuildOfAnUnchangedTree_IsACacheHit()
    {
        RequireRootAndTool(RootfsImageFormat.Erofs);
        using var scratch = new ScratchDirectory();
        var source = new SampleRootfs(Path.Combine(scratch.Path, "rootfs"));
        var builder = new RootfsImageBuilder(Path.Combine(scratch.Path, "cache"), RootfsImageFormat.Erofs, Log);
        RootfsImage first = builder.Build(source.Path);
        DateTime written = File.GetLastWriteTimeUtc(first.Path);

        RootfsImage second = builder.Build(source.Path);

        Assert.True(second.CacheHit);
        Assert.Equal(first with { CacheHit = true }, second);
        Assert.Equal(written, File.GetLastWriteTimeUtc(second.Path));
        // Nothing but the one image: no temporary file left behind.
        Assert.Equal([first.Path], Directory.GetFiles(Path.Combine(scratch.Path, "cache")));
    }

    [Fact]
    public void TheSameSnapshotThroughTwoOverlayMounts_HasOneKey()
    {
        RequireRootAndTool(RootfsImageFormat.Erofs);
        using var scratch = new ScratchDirectory();
        var lower = new SampleRootfs(Path.Combine(scratch.Path, "layer"));
        string[] keys = new string[2];
        for (int i = 0; i < 2; i++)
        {
            // As containerd mounts an image for each new container: the same lower layer, a fresh empty upper.
            string upper = Directory.CreateDirectory(Path.Combine(scratch.Path, $"upper{i}")).FullName;
            string work = Directory.CreateDirectory(Path.Combine(scratch.Path, $"work{i}")).FullName;
            using HostMount merged = HostMount.Overlay(lower.Path, upper, work, Path.Combine(scratch.Path, $"merged{i}"));
            keys[i] = RootfsTreeKey.Compute(merged.Target, RootfsImageFormat.Erofs).Key;
        }
        Assert.Equal(keys[0], keys[1]);
    }

    [Fact]
    public void AChangedFile_ChangesTheKey_EvenWithItsSizeAndMtimePutBack()
    {
        RequireRootAndTool(RootfsImageFormat.Erofs);
        using var scratch = new ScratchDirectory();
        var source = new SampleRootfs(Path.Combine(scratch.Path, "rootfs"));
        string before = RootfsTreeKey.Compute(source.Path, RootfsImageFormat.Erofs).Key;
        Assert.Equal(before, RootfsTreeKey.Compute(source.Path, RootfsImageFormat.Erofs).Key);
        string hostname = source.Combine("etc/hostname");
        DateTime mtime = File.GetLastWriteTimeUtc(hostname);

        File.WriteAllText(hostname, "Sample\n");
        File.SetLastWriteTimeUtc(hostname, mtime);

        string afterEdit = RootfsTreeKey.Compute(source.Path, RootfsImageFormat.Erofs).Key;
        Assert.NotEqual(before, afterEdit);
        HostCommand.Run("chmod", "0600", source.Combine("etc/passwd"));
        string afterChmod = RootfsTreeKey.Compute(source.Path, RootfsImageFormat.Erofs).Key;
        Assert.NotEqual(afterEdit, afterChmod);
        File.Delete(source.Combine("bin/ls"));
        File.CreateSymbolicLink(source.Combine("bin/ls"), "/bin/busybox");
        Assert.NotEqual(afterChmod, RootfsTreeKey.Compute(source.Path, RootfsImageFormat.Erofs).Key);
        Assert.NotEqual(RootfsTreeKey.Compute(source.Path, RootfsImageFormat.Erofs).Key, RootfsTreeKey.Compute(source.Path, RootfsImageFormat.Ext4).Key);
    }

    [Fact]
    public void AChangedTree_IsBuiltAgain_AndTheNewImageHasTheChange()
    {
        RequireRootAndTool(RootfsImageFormat.Erofs);
        using var scratch = new ScratchDirectory();
        var source = new SampleRootfs(Path.Combine(scratch.Path, "rootfs"));
        var builder = new RootfsImageBuilder(Path.Combine(scratch.Path, "cache"), RootfsImageFormat.Erofs, Log);
        RootfsImage first = builder.Build(source.Path);

        File.WriteAllText(source.Combine("etc/motd"), "changed\n");
        RootfsImage second = builder.Build(source.Path);

        Assert.False(second.CacheHit);
        Assert.NotEqual(first.Key, second.Key);
        using HostMount mounted = HostMount.LoopReadOnly(second.Path, "erofs", Path.Combine(scratch.Path, "mnt"));
        Assert.Equal("changed\n", File.ReadAllText(Path.Combine(mounted.Target, "etc/motd")));
    }

    [Fact]
    public void AMissingSourceDirectory_IsAClearError_AndLeavesNoCache()
    {
        using var scratch = new ScratchDirectory();
        string cache = Path.Combine(scratch.Path, "cache");
        var builder = new RootfsImageBuilder(cache, RootfsImageFormat.Erofs, Log);
        string missing = Path.Combine(scratch.Path, "no-such-rootfs");

        var error = Assert.Throws<RootfsImageException>(() => builder.Build(missing));

        Assert.Equal($"rootfs directory {missing} does not exist", error.Message);
        Assert.False(Directory.Exists(cache));
    }

    [Fact]
    public void ARelativeCacheDirectory_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new RootfsImageBuilder("images", RootfsImageFormat.Erofs, Log));
        Assert.Contains("must be an absolute path (got \"images\")", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACacheDirectoryThatIsAFile_IsAClearError_AndNothingIsWritten()
    {
        RequireRootAndTool(RootfsImageFormat.Erofs);
        using var scratch = new ScratchDirectory();
        var source = new SampleRootfs(Path.Combine(scratch.Path, "rootfs"));
        string notADirectory = Path.Combine(scratch.Path, "cache");
        File.WriteAllText(notADirectory, "a file, not a directory");
        var builder = new RootfsImageBuilder(notADirectory, RootfsImageFormat.Erofs, Log);

        var error = Assert.Throws<RootfsImageException>(() => builder.Build(source.Path));

        Assert.StartsWith($"cannot create the image cache directory {notADirectory}: ", error.Message, StringComparison.Ordinal);
        Assert.Equal("a file, not a directory", File.ReadAllText(notADirectory));
    }
}
