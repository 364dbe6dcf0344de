using System.Text;
using Kata.Container.Interop;

namespace Kata.Container.Cgroups;

/// <summary>
/// Reads and writes cgroup control files. A value goes to the kernel in one write(2), as cgroupfs requires; a refused
/// value becomes "writing 'xyz' to /sys/fs/cgroup/.../memory.max: Invalid argument".
/// </summary>
internal static class CgroupFiles
{
    public static unsafe void Write(string directory, string file, string value)
    {
        var path = Path.Combine(directory, file);
        var fd = Libc.Open(path, LinuxConstants.O_WRONLY | LinuxConstants.O_TRUNC | LinuxConstants.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Failure(value, path, Errno.Last);
        }
        try
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            fixed (byte* data = bytes)
            {
                var written = Libc.Write(fd, data, (nuint)bytes.Length);
                if (written < 0)
                {
                    throw Failure(value, path, Errno.Last);
                }
                if (written != bytes.Length)
                {
                    throw new CgroupException($"writing '{value}' to {path}: short write ({written} of {bytes.Length} bytes)", path);
                }
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    public static string Read(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException($"reading {path}: {ex.Message}", ex, path);
        }
    }

    /// <summary>The file's content, or null when the controller does not provide it.</summary>
    public static string? TryRead(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        return File.Exists(path) ? Read(directory, file) : null;
    }

    public static bool Exists(string directory, string file) => File.Exists(Path.Combine(directory, file));

    /// <summary>A single unsigned value; "max" (cgroup v2's unlimited) reads as <see cref="ulong.MaxValue"/>.</summary>
    public static ulong? TryReadUInt64(string directory, string file) =>
        TryRead(directory, file) is { } text ? ParseUInt64(text.Trim(), Path.Combine(directory, file)) : null;

    public static ulong ParseUInt64(string text, string path)
    {
        if (text == "max")
        {
            return ulong.MaxValue;
        }
        return ulong.TryParse(text, out var value)
            ? value
            : throw new CgroupException($"reading {path}: '{text}' is not a number", path);
    }

    /// <summary>"key value" lines (cpu.stat, memory.stat, memory.events, …).</summary>
    public static Dictionary<string, ulong> ParseFlatKeyed(string text, string path)
    {
        var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                throw new CgroupException($"reading {path}: malformed line '{line}', expected 'key value'", path);
            }
            values[parts[0]] = ParseUInt64(parts[1], path);
        }
        return values;
    }

    public static Dictionary<string, ulong>? TryReadFlatKeyed(string directory, string file) =>
        TryRead(directory, file) is { } text ? ParseFlatKeyed(text, Path.Combine(directory, file)) : null;

    private static CgroupException Failure(string value, string path, int errno) =>
        new($"writing '{value}' to {path}: {Errno.Describe(errno)}", path, errno);
}
