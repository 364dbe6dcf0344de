using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Kata.GuestImage.Tests.Infrastructure;

/// <summary>
/// Reads a (gzip-compressed) "newc" cpio archive back, independently of the tools that wrote it. Format:
/// Documentation/driver-api/early-userspace/buffer-format.rst — a 110-byte ASCII header ("070701" and 13 fields of
/// 8 hex digits), the NUL-terminated name padded to 4 bytes, the data padded to 4 bytes; "TRAILER!!!" ends it.
/// </summary>
public static class CpioArchive
{
    private const string Magic = "070701";
    private const int HeaderLength = 110;

    public static IReadOnlyList<CpioEntry> ReadGzip(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return Read(buffer.ToArray());
    }

    public static IReadOnlyList<CpioEntry> Read(byte[] archive)
    {
        var entries = new List<CpioEntry>();
        int offset = 0;
        while (true)
        {
            if (offset + HeaderLength > archive.Length)
            {
                throw new InvalidDataException($"cpio: truncated header at offset {offset} (no TRAILER!!! entry)");
            }
            string header = Encoding.ASCII.GetString(archive, offset, HeaderLength);
            if (!header.StartsWith(Magic, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"cpio: bad magic \"{header[..6]}\" at offset {offset} (expected newc {Magic})");
            }
            uint Field(int index) => uint.Parse(header.AsSpan(6 + index * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            uint mode = Field(1), uid = Field(2), gid = Field(3), mtime = Field(5), size = Field(6);
            uint rdevMajor = Field(9), rdevMinor = Field(10), nameSize = Field(11);
            int nameStart = offset + HeaderLength;
            if (nameSize == 0 || nameStart + nameSize > archive.Length)
            {
                throw new InvalidDataException($"cpio: bad name size {nameSize} at offset {offset}");
            }
            string name = Encoding.UTF8.GetString(archive, nameStart, (int)nameSize - 1);
            int dataStart = Align4(nameStart + (int)nameSize);
            if (dataStart + size > archive.Length)
            {
                throw new InvalidDataException($"cpio: {name}: {size} data bytes run past the end of the archive");
            }
            if (name == "TRAILER!!!")
            {
                return entries;
            }
            entries.Add(new CpioEntry(name, mode, uid, gid, mtime, rdevMajor, rdevMinor, archive.AsSpan(dataStart, (int)size).ToArray()));
            offset = Align4(dataStart + (int)size);
        }
    }

    private static int Align4(int value) => (value + 3) & ~3;
}
