namespace Kata.Agent.Hosting;

/// <summary>Where the agent serves its gRPC API: <c>unix:PATH</c> or <c>vsock:PORT</c>.</summary>
public sealed record ListenAddress
{
    /// <summary>The agent's well-known vsock port (ARCHITECTURE.md: "agent vsock port | 1024").</summary>
    public const uint DefaultVsockPort = 1024;

    private ListenAddress(string? unixPath, uint? vsockPort)
    {
        UnixPath = unixPath;
        VsockPort = vsockPort;
    }

    public string? UnixPath { get; }
    public uint? VsockPort { get; }

    public static ListenAddress Unix(string path) => new(path, null);
    public static ListenAddress Vsock(uint port) => new(null, port);

    /// <summary>Parses <c>unix:/run/agent.sock</c> or <c>vsock:1024</c>; throws <see cref="FormatException"/> naming the value.</summary>
    public static ListenAddress Parse(string value)
    {
        if (value.StartsWith("unix:", StringComparison.Ordinal))
        {
            string path = value["unix:".Length..];
            if (!Path.IsPathRooted(path))
            {
                throw new FormatException($"--listen {value}: the Unix socket path must be absolute");
            }
            return Unix(path);
        }
        if (value.StartsWith("vsock:", StringComparison.Ordinal))
        {
            string port = value["vsock:".Length..];
            if (!uint.TryParse(port, System.Globalization.NumberStyles.None, null, out uint number) || number == uint.MaxValue)
            {
                throw new FormatException($"--listen {value}: \"{port}\" is not a vsock port number");
            }
            return Vsock(number);
        }
        throw new FormatException($"--listen {value}: expected unix:PATH or vsock:PORT");
    }

    public override string ToString() => UnixPath is not null ? $"unix:{UnixPath}" : $"vsock:{VsockPort}";
}
