namespace Kata.Sandbox.RootfsImages;

/// <summary>A read-only block image of a container's rootfs in the image cache.</summary>
/// <param name="Path">The image file (never written again once it is in the cache).</param>
/// <param name="Key">The tree's content key (see <see cref="RootfsTreeKey"/>), also the file's name.</param>
/// <param name="CacheHit">True when an earlier build with the same key was reused.</param>
public sealed record RootfsImage(string Path, string Key, RootfsImageFormat Format, long SizeBytes, bool CacheHit)
{
    /// <summary>The filesystem type to mount it with (mount(2)'s filesystemtype).</summary>
    public string FilesystemType => Format == RootfsImageFormat.Erofs ? "erofs" : "ext4";
}
