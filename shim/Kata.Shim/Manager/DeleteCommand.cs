using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Kata.Shim.Interop;
using Kata.Shim.Protos.Task;
using Kata.Shim.Rootfs;
using Serilog;

namespace Kata.Shim.Manager;

/// <summary>
/// `delete` (containerd runtime/v2 shim protocol): containerd runs it when a shim is gone (crashed, killed) or its
/// start failed. It cleans up what the shim left — the container's init, its rootfs mount, and, when the pod's shim
/// is not serving any more, the sandbox's processes and state directory — and prints a DeleteResponse (protobuf) on
/// stdout: exit status 137 (128 + SIGKILL) and the time, as containerd's runc shim does.
/// </summary>
public static class DeleteCommand
{
    public const uint KilledStatus = 137;

    public static int Run(ShimInvocation invocation, Stream output, ILogger log)
    {
        string bundle = invocation.BundleDirectory;
        int pid = BundleFiles.ReadPid(bundle, BundleFiles.InitPid);
        if (pid > 0 && Libc.Kill(pid, 9) == 0)
        {
            log.Information("delete {Id}: killed the container's init {Pid}", invocation.Id, pid);
        }
        if (RootfsMounter.TryUnmount(Path.Combine(bundle, BundleFiles.Rootfs)))
        {
            log.Information("delete {Id}: unmounted the rootfs", invocation.Id);
        }
        string? address = BundleFiles.ReadText(bundle, BundleFiles.Address);
        bool shimAlive = address is { Length: > 0 } && ShimSocket.CanConnect(address);
        if (!shimAlive && BundleFiles.ReadText(bundle, BundleFiles.SandboxState) is { Length: > 0 } stateDirectory)
        {
            CleanSandbox(stateDirectory, log);
        }
        if (!shimAlive && address is { Length: > 0 })
        {
            // The dead shim's socket file (containerd's runc shim removes it here too).
            RemoveSocketFile(address, log);
        }
        var response = new DeleteResponse
        {
            Pid = (uint)pid,
            ExitStatus = KilledStatus,
            ExitedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        };
        response.WriteTo(output);
        output.Flush();
        return 0;
    }

    private static void RemoveSocketFile(string address, ILogger log)
    {
        try
        {
            string path = ShimSocket.PathOf(address);
            if (path[0] == '/' && File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            log.Warning("delete: could not remove the shim socket {Address}: {Error}", address, e.Message);
        }
    }

    /// <summary>Kills every process started for the sandbox (the agent or VMM name its state directory in their arguments), then removes the directory.</summary>
    public static void CleanSandbox(string stateDirectory, ILogger log)
    {
        if (!Path.IsPathRooted(stateDirectory) || stateDirectory.TrimEnd('/').Length < 2)
        {
            log.Warning("delete: ignoring suspicious sandbox state path {Path}", stateDirectory);
            return;
        }
        int[] killed = ProcessesMentioning(stateDirectory).Where(pid => Libc.Kill(pid, 9) == 0).ToArray();
        foreach (int pid in killed)
        {
            log.Information("delete: killed sandbox process {Pid}", pid);
        }
        // A killed process may still be closing files in the directory: wait (bounded) until they are gone.
        for (int attempt = 0; attempt < 100 && killed.Any(pid => Libc.Kill(pid, 0) == 0 && !IsZombie(pid)); attempt++)
        {
            Thread.Sleep(20);
        }
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(stateDirectory))
                {
                    Directory.Delete(stateDirectory, recursive: true);
                }
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (attempt >= 3)
                {
                    log.Warning("delete: could not remove {Path}: {Error}", stateDirectory, e.Message);
                    return;
                }
                Thread.Sleep(50);
            }
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            return File.ReadAllLines($"/proc/{pid}/status").Any(line => line.StartsWith("State:", StringComparison.Ordinal) && line.Contains('Z'));
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Pids whose command line contains <paramref name="text"/> (from /proc/&lt;pid&gt;/cmdline), ours excepted.</summary>
    public static IEnumerable<int> ProcessesMentioning(string text)
    {
        int self = Environment.ProcessId;
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid == self)
            {
                continue;
            }
            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (commandLine.Contains(text, StringComparison.Ordinal))
            {
                yield return pid;
            }
        }
    }
}
