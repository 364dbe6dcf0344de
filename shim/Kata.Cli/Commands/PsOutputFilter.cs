using System.Globalization;

namespace Kata.Cli.Commands;

/// <summary>
/// Keeps the lines of ps(1) output that belong to a container, as `runc ps` does: the header line, then every line
/// whose field under the header's <c>PID</c> column is one of the container's pids (whitespace-separated fields, so
/// only columns before PID must be free of blanks, which holds for ps's own left-hand columns).
/// </summary>
public static class PsOutputFilter
{
    /// <summary>Throws <see cref="CliException"/> when the output has no header or no PID column (e.g. `-o comm`).</summary>
    public static IEnumerable<string> Filter(string psOutput, IReadOnlySet<uint> pids)
    {
        string[] lines = psOutput.Split('\n');
        string header = lines[0];
        int pidColumn = Array.IndexOf(Fields(header), "PID");
        if (pidColumn < 0)
        {
            throw new CliException($"ps printed no PID column (header: \"{header.Trim()}\"): the ps arguments must keep the pid, e.g. -o pid,comm");
        }
        yield return header;
        foreach (string line in lines.Skip(1))
        {
            string[] fields = Fields(line);
            if (fields.Length > pidColumn
                && uint.TryParse(fields[pidColumn], NumberStyles.None, CultureInfo.InvariantCulture, out uint pid)
                && pids.Contains(pid))
            {
                yield return line;
            }
        }
    }

    private static string[] Fields(string line) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
