namespace Kata.Container.Interop;

/// <summary>
/// An anonymous in-memory file (memfd_create(2), close-on-exec). Used as a child's stdin and output where a pipe could
/// fill up and block either side: writing it never waits for a reader, and it needs no filesystem, so it works inside a
/// container's mount namespace before and after pivot_root.
/// </summary>
internal sealed unsafe class MemoryFile : IDisposable
{
    private MemoryFile(FileDescriptor descriptor, string name)
    {
        Descriptor = descriptor;
        Name = name;
    }

    public FileDescriptor Descriptor { get; }

    public string Name { get; }

    /// <summary>A new file holding <paramref name="content"/>, its offset back at 0 (a child reading it as stdin starts
    /// at the beginning: the offset is shared with the child's duplicate).</summary>
    public static MemoryFile Create(string name, ReadOnlySpan<byte> content)
    {
        var file = new MemoryFile(new FileDescriptor(Errno.Check(Libc.MemfdCreate(name, LinuxConstants.MFD_CLOEXEC), "memfd_create", name)), name);
        try
        {
            fixed (byte* start = content)
            {
                var written = 0;
                while (written < content.Length)
                {
                    var result = Libc.Write(file.Descriptor.Fd, start + written, (nuint)(content.Length - written));
                    if (result < 0 && Errno.Last == Errno.EINTR)
                    {
                        continue;
                    }
                    written += (int)Errno.Check((long)result, "write", name);
                }
            }
            Errno.Check(Libc.Lseek(file.Descriptor.Fd, 0, LinuxConstants.SEEK_SET), "lseek", name);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The last <paramref name="maxBytes"/> bytes written to the file (by anyone holding it), as UTF-8 text.</summary>
    public string ReadTail(int maxBytes)
    {
        var size = Errno.Check(Libc.Lseek(Descriptor.Fd, 0, LinuxConstants.SEEK_END), "lseek", Name);
        var offset = Math.Max(0, size - maxBytes);
        var buffer = new byte[size - offset];
        var filled = 0;
        fixed (byte* start = buffer)
        {
            while (filled < buffer.Length)
            {
                var result = Libc.Pread(Descriptor.Fd, start + filled, (nuint)(buffer.Length - filled), offset + filled);
                if (result < 0 && Errno.Last == Errno.EINTR)
                {
                    continue;
                }
                var read = Errno.Check((long)result, "pread", Name);
                if (read == 0)
                {
                    break;
                }
                filled += (int)read;
            }
        }
        return System.Text.Encoding.UTF8.GetString(buffer, 0, filled);
    }

    public void Dispose() => Descriptor.Dispose();
}
