using System.Text;

namespace Kata.Container.Rootfs;

/// <summary>Reads /proc/[pid]/mountinfo (proc(5)): the mount table of that process's mount namespace.</summary>
public static class MountInfo
{
    public static IReadOnlyList<MountInfoEntry> Read(string path = "/proc/self/mountinfo") =>
        File.ReadAllLines(path).Select(Parse).ToList();

    public static MountInfoEntry Parse(string line)
    {
        // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
        var fields = line.Split(' ');
        var separator = Array.IndexOf(fields, "-");
        if (separator < 6 || separator + 2 >= fields.Length)
        {
            throw new FormatException($"mountinfo line is malformed: '{line}'");
        }
        return new MountInfoEntry(
            int.Parse(fields[0]),
            int.Parse(fields[1]),
            Unescape(fields[4]),
            fields[separator + 1],
            Unescape(fields[separator + 2]),
            fields[5],
            separator + 3 < fields.Length ? fields[separator + 3] : "");
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as \ooo octal.</summary>
    private static string Unescape(string value)
    {
        if (!value.Contains('\\'))
        {
            return value;
        }
        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && IsOctal(value, i + 1))
            {
                builder.Append((char)Convert.ToInt32(value.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                builder.Append(value[i]);
            }
        }
        return builder.ToString();
    }

    private static bool IsOctal(string value, int start) =>
        start + 3 <= value.Length && value.AsSpan(start, 3).IndexOfAnyExceptInRange('0', '7') < 0;
}
