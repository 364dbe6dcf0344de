using Kata.Shim.Interop;
using Microsoft.Win32.SafeHandles;

namespace Kata.Shim.Stdio;

/// <summary>
/// A `binary://` log driver (containerd cio.BinaryIO / runtime/v2/logging): the program at the URI's path runs with
/// the query as arguments, CONTAINER_ID and CONTAINER_NAMESPACE in its environment, the read ends of the stdout and
/// stderr pipes as fds 3 and 4, and fd 5 as a pipe it closes once it is ready to read.
/// </summary>
public sealed class BinaryLogger
{
    private BinaryLogger(int pid, Stream stdout, Stream stderr)
    {
        Pid = pid;
        Stdout = stdout;
        Stderr = stderr;
    }

    public int Pid { get; }
    /// <summary>Write end of the logger's stdout pipe.</summary>
    public Stream Stdout { get; }
    /// <summary>Write end of the logger's stderr pipe.</summary>
    public Stream Stderr { get; }

    /// <summary>The program and its arguments for a binary:// URI (containerd: each query key, then its value if any).</summary>
    public static IReadOnlyList<string> CommandOf(Uri uri)
    {
        if (uri.Scheme != "binary")
        {
            throw new ArgumentException($"{uri} is not a binary:// URI", nameof(uri));
        }
        string path = Uri.UnescapeDataString(uri.AbsolutePath);
        if (!Path.IsPathRooted(path) || path == "/")
        {
            throw new ArgumentException($"binary log driver {uri}: the path must name a program");
        }
        var argv = new List<string> { path };
        string query = uri.Query.TrimStart('?');
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=');
            argv.Add(Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]));
            if (equals >= 0 && equals + 1 < pair.Length)
            {
                argv.Add(Uri.UnescapeDataString(pair[(equals + 1)..]));
            }
        }
        return argv;
    }

    public static async Task<BinaryLogger> StartAsync(Uri uri, string containerId, string containerdNamespace, CancellationToken cancel)
    {
        IReadOnlyList<string> argv = CommandOf(uri);
        if (!File.Exists(argv[0]))
        {
            throw new FileNotFoundException($"binary log driver {argv[0]} does not exist", argv[0]);
        }
        var (stdoutRead, stdoutWrite) = Pipe();
        var (stderrRead, stderrWrite) = Pipe();
        var (readyRead, readyWrite) = Pipe();
        int pid;
        try
        {
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                environment[(string)entry.Key] = (string?)entry.Value ?? "";
            }
            environment["CONTAINER_ID"] = containerId;
            environment["CONTAINER_NAMESPACE"] = containerdNamespace;
            pid = ProcessSpawner.Spawn(argv, new Dictionary<int, int>
            {
                [3] = (int)stdoutRead.DangerousGetHandle(),
                [4] = (int)stderrRead.DangerousGetHandle(),
                [5] = (int)readyWrite.DangerousGetHandle(),
            }, newSession: false, environment);
        }
        finally
        {
            stdoutRead.Dispose();
            stderrRead.Dispose();
            readyWrite.Dispose();
        }
        // The logger closes fd 5 when it is ready: read until EOF.
        await using (var ready = new FileStream(readyRead, FileAccess.Read, 1))
        {
            byte[] buffer = new byte[16];
            while (await ready.ReadAsync(buffer, cancel) > 0)
            {
            }
        }
        return new BinaryLogger(pid, new FileStream(stdoutWrite, FileAccess.Write, 1), new FileStream(stderrWrite, FileAccess.Write, 1));
    }

    private static unsafe (SafeFileHandle Read, SafeFileHandle Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC) != 0)
        {
            throw ErrnoException.FromLastError("pipe2");
        }
        return (new SafeFileHandle(fds[0], ownsHandle: true), new SafeFileHandle(fds[1], ownsHandle: true));
    }
}
