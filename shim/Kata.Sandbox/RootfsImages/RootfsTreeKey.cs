using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Kata.Sandbox.Interop;

namespace Kata.Sandbox.RootfsImages;

/// <summary>
/// The content key of a rootfs tree: SHA-256 over every entry in byte order of its path, each entry as
/// (path, file type, permission bits, uid, gid, and then by type: regular file → size, mtime, ctime, inode;
/// symlink → its target; device → its device number). Directories contribute only path, mode and owner.
///
/// Why metadata instead of file contents: the cache exists so that starting a container from an unchanged image does
/// not cost a pass over every byte of it; hashing contents would read the whole image on every start, about what
/// building it costs. (size, mtime, ctime, inode) identifies a file's version without reading it: every write,
/// truncate, chmod, chown or utimensat sets ctime to the current time (stat(2), inode(7)), so even an edit that puts
/// the old mtime back changes the key, and a file replaced by another gets a new inode. st_dev is left out: an overlay
/// mount reports its own anonymous device for every file, new for each mount of the same snapshot. Directories'
/// times and inodes are left out for the same reason: through an overlay a merged directory shows its fresh upper
/// directory's, which would make every container of one image look new; a directory's content is covered by its
/// entries. Not covered: extended attributes (not copied to the image either).
/// </summary>
public static class RootfsTreeKey
{
    /// <summary>Bumped whenever the key or the image layout changes, so that older cached images are not reused.</summary>
    private const string Version = "kata-style rootfs image v1";

    /// <summary>What a walk of the tree found.</summary>
    public sealed record Summary(string Key, int Entries, int Directories, long FileBytes);

    public static Summary Compute(string root, RootfsImageFormat format)
    {
        if (!Directory.Exists(root))
        {
            throw new RootfsImageException($"rootfs directory {root} does not exist");
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, Encoding.UTF8.GetBytes($"{Version}\0{format}\0"));
        int entries = 0, directories = 0;
        long bytes = 0;
        var pending = new Stack<string>();
        pending.Push("");
        // Depth first, children in byte order: the same tree always gives the same sequence.
        var ordered = new List<string>();
        Span<byte> fields = stackalloc byte[4 * 4 + 4 * 8];
        while (pending.Count > 0)
        {
            string relative = pending.Pop();
            string full = relative.Length == 0 ? root : Path.Combine(root, relative);
            FileStatus status = FileStatusLibc.Of(full);
            entries++;
            fields.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(fields, status.Type);
            BinaryPrimitives.WriteUInt32LittleEndian(fields[4..], status.Permissions);
            BinaryPrimitives.WriteUInt32LittleEndian(fields[8..], status.UserId);
            BinaryPrimitives.WriteUInt32LittleEndian(fields[12..], status.GroupId);
            int length = 16;
            string? linkTarget = null;
            switch (status.Type)
            {
                case FileStatus.RegularFile:
                    BinaryPrimitives.WriteInt64LittleEndian(fields[16..], status.Size);
                    BinaryPrimitives.WriteInt64LittleEndian(fields[24..], status.ModifySeconds * 1_000_000_000 + status.ModifyNanoseconds);
                    BinaryPrimitives.WriteInt64LittleEndian(fields[32..], status.ChangeSeconds * 1_000_000_000 + status.ChangeNanoseconds);
                    BinaryPrimitives.WriteUInt64LittleEndian(fields[40..], status.Inode);
                    length = 48;
                    bytes += status.Size;
                    break;
                case FileStatus.SymbolicLink:
                    linkTarget = new FileInfo(full).LinkTarget ?? "";
                    break;
                case FileStatus.CharacterDevice or FileStatus.BlockDevice:
                    BinaryPrimitives.WriteUInt64LittleEndian(fields[16..], status.SpecialDevice);
                    length = 24;
                    break;
                case FileStatus.Directory:
                    directories++;
                    ordered.Clear();
                    foreach (string child in Directory.EnumerateFileSystemEntries(full))
                    {
                        ordered.Add(Path.GetFileName(child));
                    }
                    // Reversed onto the stack so that they come off it in byte order.
                    ordered.Sort(StringComparer.Ordinal);
                    for (int i = ordered.Count - 1; i >= 0; i--)
                    {
                        pending.Push(relative.Length == 0 ? ordered[i] : relative + "/" + ordered[i]);
                    }
                    break;
            }
            Append(hash, Encoding.UTF8.GetBytes(relative));
            Append(hash, [0]);
            Append(hash, fields[..length]);
            if (linkTarget is not null)
            {
                Append(hash, Encoding.UTF8.GetBytes(linkTarget));
                Append(hash, [0]);
            }
        }
        string key = Convert.ToHexStringLower(hash.GetHashAndReset());
        return new Summary(key, entries, directories, bytes);
    }

    private static void Append(IncrementalHash hash, ReadOnlySpan<byte> data) => hash.AppendData(data);
}
