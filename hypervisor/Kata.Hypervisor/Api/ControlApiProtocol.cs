using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kata.Hypervisor.Api;

/// <summary>
/// The control API's wire protocol (documented in hypervisor/README.md): newline-delimited JSON over a Unix stream
/// socket, one request object per line, answered in order by one response object per line.
/// </summary>
public static class ControlApiProtocol
{
    /// <summary>Longest request line the server reads (newline excluded); a longer one is answered with an error and the connection is closed.</summary>
    public const int MaxRequestLineBytes = 64 * 1024;

    /// <summary>Longest response line the client reads; metrics are the largest response, a few KiB.</summary>
    public const int MaxResponseLineBytes = 1024 * 1024;

    /// <summary>Connections served at once; one more is answered with an error and closed.</summary>
    public const int MaxClients = 128;

    /// <summary>Grace period of <c>shutdown</c> when the request has no <c>graceMs</c>.</summary>
    public const int DefaultShutdownGraceMs = 5000;

    /// <summary>Upper bound for <c>graceMs</c> (10 minutes), so a typo cannot keep a VM alive for days.</summary>
    public const int MaxShutdownGraceMs = 600_000;

    public const string Ping = "ping";
    public const string Pause = "pause";
    public const string Resume = "resume";
    public const string Shutdown = "shutdown";
    public const string Metrics = "metrics";
    public const string State = "state";

    public static IReadOnlyList<string> Commands { get; } = [Ping, Pause, Resume, Shutdown, Metrics, State];

    /// <summary>
    /// How lines are written: quotes as <c>\"</c> rather than <c>\u0022</c>, so a person reading a socat session sees
    /// plain messages (there is no HTML context to protect; control characters are still escaped).
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
