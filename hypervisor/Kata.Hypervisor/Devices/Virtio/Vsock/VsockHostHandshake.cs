using System.Globalization;
using System.Text;

namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// A host client accepted on the Unix socket that has not finished its <c>CONNECT &lt;port&gt;\n</c> line yet
/// (Firecracker's unix/muxer.rs reads it before it creates the connection). The line is kept in a fixed buffer of
/// <see cref="MaxLineLength"/> bytes, so a client that never sends a newline costs that much and no more.
/// </summary>
internal sealed class VsockHostHandshake
{
    /// <summary>The longest line accepted, newline included (Firecracker's limit: 32 bytes).</summary>
    public const int MaxLineLength = 32;

    private readonly byte[] _line = new byte[MaxLineLength];

    public VsockHostHandshake(UnixStreamSocket socket, long deadline)
    {
        Socket = socket;
        Deadline = deadline;
    }

    public UnixStreamSocket Socket { get; }

    /// <summary>When the client is dropped if its line is still incomplete (a <see cref="TimeProvider"/> timestamp).</summary>
    public long Deadline { get; }

    public int Length { get; private set; }

    public int Room => MaxLineLength - Length;

    public ReadOnlySpan<byte> Line => _line.AsSpan(0, Length);

    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_line.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>
    /// Parses <c>CONNECT &lt;port&gt;</c> (surrounding whitespace, a trailing CR and runs of spaces tolerated, as
    /// Firecracker's split_whitespace does); the port is a decimal u32. False with a reason for anything else.
    /// </summary>
    public static bool TryParseConnect(ReadOnlySpan<byte> line, out uint port, out string error)
    {
        port = 0;
        foreach (byte b in line)
        {
            if (b is (< 0x20 and not (byte)'\t' and not (byte)'\r' and not (byte)'\n') or >= 0x7f)
            {
                error = "the line contains bytes that are not printable ASCII";
                return false;
            }
        }
        string[] words = Encoding.ASCII.GetString(line).Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || words[0] != "CONNECT")
        {
            error = $"expected 'CONNECT <port>', got '{Printable(line)}'";
            return false;
        }
        if (words.Length != 2)
        {
            error = $"expected one port after CONNECT, got '{Printable(line)}'";
            return false;
        }
        if (!uint.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out port))
        {
            error = $"the port '{words[1]}' is not a number from 0 to {uint.MaxValue}";
            return false;
        }
        error = "";
        return true;
    }

    /// <summary>The line for a log message, without its line ending.</summary>
    public static string Printable(ReadOnlySpan<byte> line) => Encoding.ASCII.GetString(line).TrimEnd('\n', '\r');
}
