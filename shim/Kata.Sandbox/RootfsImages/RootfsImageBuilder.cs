using System.Diagnostics;
using Serilog;

namespace Kata.Sandbox.RootfsImages;

/// <summary>
/// Turns a container's root filesystem (a directory on the host: a bundle's rootfs, or the read-only mount of the
/// overlay containerd sends) into a read-only block image for the VM, cached by the tree's content key
/// (<see cref="RootfsTreeKey"/>): an unchanged image is built once and then reused. An image enters the cache by
/// rename(2) from a temporary name in the same directory, so a reader never sees a half-written one and two builders
/// racing for one key both end with a complete image.
/// </summary>
public sealed class RootfsImageBuilder
{
    /// <summary>The default cache (configuration.toml: [runtime] image_cache_dir).</summary>
    public const string DefaultCacheDirectory = "/var/lib/kata-style/images";

    private readonly ILogger _log;

    public RootfsImageBuilder(string cacheDirectory, RootfsImageFormat format, ILogger log)
    {
        if (!Path.IsPathRooted(cacheDirectory))
        {
            throw new ArgumentException($"the image cache directory must be an absolute path (got \"{cacheDirectory}\")", nameof(cacheDirectory));
        }
        CacheDirectory = cacheDirectory;
        Format = format;
        _log = log.ForContext<RootfsImageBuilder>();
    }

    public string CacheDirectory { get; }
    public RootfsImageFormat Format { get; }

    /// <summary>The cached image of <paramref name="sourceDirectory"/>, built now if the cache has none for its key.</summary>
    public RootfsImage Build(string sourceDirectory)
    {
        string source = Path.GetFullPath(sourceDirectory);
        var clock = Stopwatch.StartNew();
        RootfsTreeKey.Summary tree;
        try
        {
            tree = RootfsTreeKey.Compute(source, Format);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RootfsImageException($"reading the rootfs {source}: {e.Message}", e);
        }
        TimeSpan hashed = clock.Elapsed;
        string extension = Format == RootfsImageFormat.Erofs ? ".erofs" : ".ext4";
        string image = Path.Combine(CacheDirectory, tree.Key + extension);
        if (File.Exists(image))
        {
            long cachedSize = new FileInfo(image).Length;
            _log.Information("rootfs image of {Source}: cache hit {Image} ({Bytes} bytes; {Entries} entries keyed in {HashMs} ms)",
                source, image, cachedSize, tree.Entries, (int)hashed.TotalMilliseconds);
            return new RootfsImage(image, tree.Key, Format, cachedSize, CacheHit: true);
        }
        _log.Information("rootfs image of {Source}: building {Format} ({Entries} entries, {Bytes} bytes of files; keyed in {HashMs} ms)",
            source, Format, tree.Entries, tree.FileBytes, (int)hashed.TotalMilliseconds);
        try
        {
            Directory.CreateDirectory(CacheDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RootfsImageException($"cannot create the image cache directory {CacheDirectory}: {e.Message}", e);
        }
        string temporary = Path.Combine(CacheDirectory, $".{tree.Key}.{Environment.ProcessId}.{Guid.NewGuid():N}{extension}.tmp");
        try
        {
            MkfsTool.Build(Format, source, temporary, tree);
            // The image is immutable from here on: a VM has it open read-only and other containers share it.
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }
            File.Move(temporary, image, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RootfsImageException)
        {
            File.Delete(temporary);
            throw e as RootfsImageException ?? new RootfsImageException($"building the rootfs image of {source} in {CacheDirectory}: {e.Message}", e);
        }
        long size = new FileInfo(image).Length;
        _log.Information("rootfs image of {Source}: built {Image} ({Bytes} bytes) in {Ms} ms", source, image, size,
            (int)clock.Elapsed.TotalMilliseconds);
        return new RootfsImage(image, tree.Key, Format, size, CacheHit: false);
    }
}
