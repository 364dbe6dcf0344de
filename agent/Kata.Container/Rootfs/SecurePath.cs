namespace Kata.Container.Rootfs;

/// <summary>
/// Resolves a container path under the rootfs the way the kernel would after pivot_root: symlinks in the rootfs are
/// followed relative to the rootfs and ".." never climbs above it (the filepath-securejoin rule runc uses), so a
/// hostile image cannot redirect a mount onto the host.
/// </summary>
internal static class SecurePath
{
    private const int MaxSymlinks = 255;

    public static string Join(string root, string unsafePath)
    {
        var pending = new Stack<string>(Split(unsafePath).Reverse());
        var resolved = new List<string>();
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }
                continue;
            }
            var candidate = Combine(root, resolved, part);
            var target = new FileInfo(candidate).LinkTarget;
            if (target is null)
            {
                resolved.Add(part);
                continue;
            }
            if (++links > MaxSymlinks)
            {
                throw new ContainerConfigException($"path {unsafePath}: too many levels of symbolic links in the rootfs");
            }
            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }
            foreach (var segment in Split(target).Reverse())
            {
                pending.Push(segment);
            }
        }
        return Combine(root, resolved, null);
    }

    private static IEnumerable<string> Split(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private static string Combine(string root, List<string> parts, string? last)
    {
        var all = last is null ? parts : [.. parts, last];
        return all.Count == 0 ? root : root.TrimEnd('/') + "/" + string.Join('/', all);
    }
}
