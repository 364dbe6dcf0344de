using System.Globalization;
using System.Text;
using Kata.Cli.Hosting;
using Kata.Cli.Interop;
using Kata.Cli.State;
using Kata.Sandbox;
using Microsoft.Win32.SafeHandles;

namespace Kata.Cli.Monitor;

/// <summary>
/// The CLI's side of a monitor: starts it detached (its own session; fds 0/1/2 are ours, which is how the container
/// gets the stdio `create` was given) with the write end of a report pipe as its fd 3, then reads its reports.
/// </summary>
public sealed unsafe class MonitorLauncher : IDisposable
{
    private readonly StreamReader _reports;
    private readonly ContainerPaths _paths;

    private MonitorLauncher(int pid, StreamReader reports, ContainerPaths paths)
    {
        Pid = pid;
        _reports = reports;
        _paths = paths;
    }

    public int Pid { get; }

    public static MonitorLauncher Start(CliContext context, ContainerPaths paths, IEnumerable<string> modeArguments)
    {
        int* fds = stackalloc int[2];
        Errno.Check(CliLibc.Pipe2(fds, CliLibc.OCloexec), "pipe2");
        var read = new SafeFileHandle(fds[0], ownsHandle: true);
        int pid;
        try
        {
            string[] args = [.. context.GlobalArguments(paths.MonitorLog), "monitor", .. modeArguments];
            pid = DetachedProcess.Spawn(SelfExecutable.Command, args, [(0, 0), (1, 1), (2, 2), (fds[1], MonitorReport.MonitorFd)]);
        }
        catch
        {
            read.Dispose();
            throw;
        }
        finally
        {
            CliLibc.Close(fds[1]);
        }
        context.Log.Debug("monitor of {Id} started, pid {Pid}", paths.Id, pid);
        return new MonitorLauncher(pid, new StreamReader(new FileStream(read, FileAccess.Read, 1), Encoding.UTF8), paths);
    }

    /// <summary>Waits for <c>created PID</c>; throws with the monitor's error, or with its log when it died silently.</summary>
    public int WaitCreated()
    {
        while (_reports.ReadLine() is { } line)
        {
            (string kind, string value) = MonitorReport.Parse(line);
            switch (kind)
            {
                case "created":
                    return int.Parse(value, CultureInfo.InvariantCulture);
                case "error":
                    throw new CliException(value);
            }
        }
        throw new CliException($"the monitor of container {_paths.Id} (pid {Pid}) ended without creating it; its log ({_paths.MonitorLog}):\n{Tail(_paths.MonitorLog)}");
    }

    /// <summary>Waits for <c>exited STATUS</c>; null when the monitor ended without saying (it was killed).</summary>
    public int? WaitExited()
    {
        while (_reports.ReadLine() is { } line)
        {
            (string kind, string value) = MonitorReport.Parse(line);
            if (kind == "exited")
            {
                return int.Parse(value, CultureInfo.InvariantCulture);
            }
        }
        return null;
    }

    /// <summary>Reads to EOF: the monitor has closed its end, i.e. exited.</summary>
    public void WaitEnded()
    {
        while (_reports.ReadLine() is not null)
        {
        }
    }

    private static string Tail(string path) =>
        File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(20)) : "(no log)";

    public void Dispose() => _reports.Dispose();
}
