namespace Kata.Sandbox.RootfsImages;

/// <summary>
/// The filesystem of a container's read-only rootfs image. Measured on the busybox bundle (2 MB, 270 entries):
/// erofs (mkfs.erofs, uncompressed) 20–60 ms and a 1.97 MB image; ext4 (mkfs.ext4 -d, no journal) 60–85 ms and a
/// 16 MiB sparse image (2.2 MB allocated) whose size has to be estimated up front. erofs is the default: read-only by
/// design, sized to its content, and what Kata and Nydus use for image layers.
/// </summary>
public enum RootfsImageFormat
{
    Erofs,
    Ext4,
}
