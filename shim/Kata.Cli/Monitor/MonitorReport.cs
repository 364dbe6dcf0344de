using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Kata.Cli.Monitor;

/// <summary>
/// The monitor's report to the CLI that started it, one line each over a pipe (fd 3 in the monitor):
/// <c>created PID</c> once the container (or exec) exists, <c>error MESSAGE</c> if that failed, <c>exited STATUS</c>
/// when its process ended. EOF without <c>created</c> or <c>error</c> means the monitor died.
/// Writes never fail the monitor: `create` closes its end as soon as it read <c>created</c>.
/// </summary>
public sealed class MonitorReport : IDisposable
{
    public const int MonitorFd = 3;
    private readonly FileStream? _stream;

    public MonitorReport(SafeFileHandle? handle) => _stream = handle is null ? null : new FileStream(handle, FileAccess.Write, 0);

    public void Created(int pid) => Send($"created {pid.ToString(CultureInfo.InvariantCulture)}");

    public void Failed(string message) => Send("error " + message.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));

    public void Exited(int status) => Send($"exited {status.ToString(CultureInfo.InvariantCulture)}");

    private void Send(string line)
    {
        try
        {
            _stream?.Write(Encoding.UTF8.GetBytes(line + "\n"));
            _stream?.Flush();
        }
        catch (IOException)
        {
            // The CLI is gone or stopped listening: the state directory still tells the story.
        }
    }

    /// <summary>Parses one line: (kind, value) with the message unescaped.</summary>
    public static (string Kind, string Value) Parse(string line)
    {
        int space = line.IndexOf(' ');
        string kind = space < 0 ? line : line[..space];
        string value = space < 0 ? "" : line[(space + 1)..];
        return (kind, kind == "error" ? Unescape(value) : value);
    }

    private static string Unescape(string text)
    {
        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                result.Append(text[++i] == 'n' ? '\n' : text[i]);
            }
            else
            {
                result.Append(text[i]);
            }
        }
        return result.ToString();
    }

    public void Dispose() => _stream?.Dispose();
}
