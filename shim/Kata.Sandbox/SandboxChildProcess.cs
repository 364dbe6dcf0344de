using System.Diagnostics;

namespace Kata.Sandbox;

/// <summary>
/// A process a sandbox runs (the agent or the VMM): its stdout and stderr go to a log file in the sandbox's state
/// directory, so that a start-up failure can quote them; <see cref="Exited"/> completes when it ends.
/// </summary>
internal sealed class SandboxChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _pumps;

    private SandboxChildProcess(Process process, StreamWriter log, string logPath)
    {
        _process = process;
        _log = log;
        LogPath = logPath;
        _pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
        Exited = WaitAsync();
    }

    public int Pid => _process.Id;
    public string LogPath { get; }
    /// <summary>Completes with the exit code once the process has ended and its output is in the log.</summary>
    public Task<int> Exited { get; }

    /// <param name="workingDirectory">The child's working directory; null keeps ours.</param>
    public static SandboxChildProcess Start(CommandPrefix command, IEnumerable<string> args, string logPath, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(command.Program)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string word in command.Words.Skip(1).Concat(args))
        {
            info.ArgumentList.Add(word);
        }
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new SandboxStartException($"could not start {command}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log.Dispose();
            throw new SandboxStartException($"could not start {command.Program}: {e.Message}", e);
        }
        process.StandardInput.Close();
        return new SandboxChildProcess(process, log, logPath);
    }

    /// <summary>The last <paramref name="lines"/> lines of the log (what the process printed last).</summary>
    public string Tail(int lines = 30) => LogTail.Read(LogPath, lines);

    public void Signal(bool kill)
    {
        if (_process.HasExited)
        {
            return;
        }
        try
        {
            if (kill)
            {
                _process.Kill(entireProcessTree: true);
            }
            else
            {
                // SIGTERM: the VMM and the agent both shut down gracefully on it.
                _ = SandboxSignals.Terminate(_process.Id);
            }
        }
        catch (InvalidOperationException)
        {
            // Ended meanwhile.
        }
    }

    /// <summary>
    /// SIGKILL to this process alone (not a tree walk), for when its work is provably done (the agent answered
    /// DestroySandbox): nothing is gained by its graceful shutdown. Returns the exit code.
    /// </summary>
    public async Task<int> KillAsync()
    {
        if (!_process.HasExited)
        {
            _ = SandboxSignals.KillProcess(_process.Id);
        }
        return await Exited;
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan grace)
    {
        Signal(kill: false);
        if (await Task.WhenAny(Exited, Task.Delay(grace)) != Exited)
        {
            Signal(kill: true);
        }
        return await Exited;
    }

    private async Task Pump(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }
        }
    }

    private async Task<int> WaitAsync()
    {
        await _process.WaitForExitAsync();
        await _pumps;
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Signal(kill: true);
        await Exited;
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}
