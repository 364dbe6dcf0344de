using System.Net.Sockets;
using System.Text.Json;
using Kata.Shim.Interop;

namespace Kata.Shim.Manager;

/// <summary>
/// `start` (containerd runtime/v2 shim protocol): run from the container's bundle directory, find the pod's shim or
/// start a new daemon with its listening socket as fd 3, write the `address` file and print the address on stdout,
/// which containerd reads (with stderr: 1.6 uses CombinedOutput, so nothing else may be printed on success).
/// </summary>
public static class StartCommand
{
    /// <summary>Set by containerd 1.7 and 2.x (not 1.6); tells us the JSON bootstrap answer is understood.</summary>
    public const string GrpcAddressVariable = "GRPC_ADDRESS";
    /// <summary>Overrides <see cref="ShimSocket.DefaultDirectory"/> (tests, unprivileged use).</summary>
    public const string SocketDirectoryVariable = "KATA_STYLE_SHIM_SOCKET_DIR";

    public static int Run(ShimInvocation invocation, TextWriter output)
    {
        string bundle = invocation.BundleDirectory;
        BundleSpec spec = BundleSpec.Load(bundle);
        string groupingId = spec.GroupingId(invocation.Id);
        string? fromEnvironment = Environment.GetEnvironmentVariable(SocketDirectoryVariable);
        string directory = invocation.SocketDirectory
            ?? (string.IsNullOrEmpty(fromEnvironment) ? ShimSocket.DefaultDirectory : fromEnvironment);
        string address = ShimSocket.Address(invocation.ContainerdAddress, invocation.Namespace, groupingId, directory);

        string? existing = FindPodShim(bundle, invocation.Id, groupingId, address);
        if (existing is not null)
        {
            BundleFiles.WriteAtomically(bundle, BundleFiles.Address, existing);
            Print(output, existing);
            return 0;
        }

        Socket listener;
        try
        {
            listener = ShimSocket.Listen(address);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && ShimSocket.CanConnect(address))
        {
            // Another container of the pod started the shim a moment ago.
            BundleFiles.WriteAtomically(bundle, BundleFiles.Address, address);
            Print(output, address);
            return 0;
        }

        var argv = new List<string>(SelfCommand.Words())
        {
            "-namespace", invocation.Namespace,
            "-id", invocation.Id,
            "-address", invocation.ContainerdAddress,
        };
        if (invocation.PublishBinary.Length > 0)
        {
            argv.AddRange(["-publish-binary", invocation.PublishBinary]);
        }
        if (invocation.Debug)
        {
            argv.Add("-debug");
        }
        int pid;
        try
        {
            // fd 3 of the daemon = our listening socket; the daemon gets a session of its own so that signals to
            // containerd's process group do not reach it (the runc shim does the same with Setpgid).
            pid = ProcessSpawner.Spawn(argv, new Dictionary<int, int> { [3] = (int)listener.SafeHandle.DangerousGetHandle() }, newSession: true);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        BundleFiles.WritePid(bundle, BundleFiles.ShimPid, pid);
        BundleFiles.WriteAtomically(bundle, BundleFiles.Address, address);
        Print(output, address);
        // Deliberately not disposed: .NET unlinks the socket file when the Socket that bound it is disposed, and the
        // daemon serves on it from now on. The process exits right after this.
        GC.KeepAlive(listener);
        return 0;
    }

    /// <summary>The address of the pod's running shim, from the sandbox container's bundle or the computed socket.</summary>
    private static string? FindPodShim(string bundle, string id, string groupingId, string address)
    {
        if (groupingId != id)
        {
            string sibling = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(bundle))!, groupingId);
            if (BundleFiles.ReadText(sibling, BundleFiles.Address) is { Length: > 0 } recorded && ShimSocket.CanConnect(recorded))
            {
                return recorded;
            }
        }
        return ShimSocket.CanConnect(address) ? address : null;
    }

    private static void Print(TextWriter output, string address)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(GrpcAddressVariable)))
        {
            output.Write(JsonSerializer.Serialize(new BootstrapParams(2, address, "ttrpc"), ShimJsonContext.Default.BootstrapParams));
        }
        else
        {
            output.Write(address);
        }
        output.Flush();
    }
}
