using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Kata.Shim.Manager;

/// <summary>
/// Where a shim serves: containerd's own scheme (runtime/v2/shim/util_unix.go SocketAddress), a socket under
/// /run/containerd/s named by sha256(containerd address / namespace / grouping id), so every container of a pod
/// (same grouping id) computes the same address and finds the pod's running shim there.
/// </summary>
public static class ShimSocket
{
    public const string DefaultDirectory = "/run/containerd/s";
    public const string UnixScheme = "unix://";

    /// <summary>"unix:///run/containerd/s/&lt;sha256 hex&gt;" for this containerd, namespace and pod.</summary>
    public static string Address(string containerdAddress, string ns, string groupingId, string directory = DefaultDirectory)
    {
        // Go: filepath.Join(socketPath, ns, id) — a cleaned path join.
        string joined = Path.Join(containerdAddress, ns, groupingId).Replace("//", "/", StringComparison.Ordinal);
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes(joined));
        return UnixScheme + Path.Combine(directory, Convert.ToHexStringLower(digest));
    }

    /// <summary>The filesystem path (or "\0name" for an abstract socket) of a "unix://" address.</summary>
    public static string PathOf(string address)
    {
        if (!address.StartsWith(UnixScheme, StringComparison.Ordinal))
        {
            throw new FormatException($"shim address \"{address}\" is not a unix:// address");
        }
        string path = address[UnixScheme.Length..];
        return path.StartsWith('@') ? "\0" + path[1..] : path;
    }

    /// <summary>True when something accepts connections on <paramref name="address"/> (a live shim).</summary>
    public static bool CanConnect(string address)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(PathOf(address)));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Binds and listens on <paramref name="address"/>. A socket file nobody serves (left by a shim that died) is
    /// replaced; a live one is reported as <see cref="SocketError.AddressAlreadyInUse"/>.
    /// </summary>
    public static Socket Listen(string address)
    {
        string path = PathOf(address);
        if (path[0] != '\0')
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (File.Exists(path) && !CanConnect(address))
            {
                File.Delete(path);
            }
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(128);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
