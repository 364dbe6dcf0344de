using System.Diagnostics;

namespace Kata.Container.Tests.Infrastructure;

/// <summary>
/// A busybox shell that waits on stdin before running its script, so a test can move it into a cgroup before the
/// script forks or allocates anything. Killed on dispose if still running.
/// </summary>
internal sealed class GatedChild : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    public GatedChild(string script)
    {
        var start = new ProcessStartInfo("/bin/busybox")
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("read gate; " + script);
        _process = Process.Start(start) ?? throw new InvalidOperationException("busybox sh did not start");
        _stderr = _process.StandardError.ReadToEndAsync();
        _ = _process.StandardOutput.ReadToEndAsync();
    }

    public int Pid => _process.Id;

    /// <summary>Lets the script run.</summary>
    public void Open()
    {
        _process.StandardInput.WriteLine("go");
        _process.StandardInput.Flush();
    }

    /// <summary>Waits until the script has exec'd a program with <paramref name="argument"/> on its command line.</summary>
    public void WaitUntilRunning(string argument)
    {
        var running = SpinWait.SpinUntil(() =>
        {
            try
            {
                return File.ReadAllText($"/proc/{Pid}/cmdline").Split('\0').Contains(argument);
            }
            catch (IOException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10));
        if (!running)
        {
            throw new InvalidOperationException($"pid {Pid} never ran a program with '{argument}' on its command line");
        }
    }

    public async Task<(int ExitCode, string Stderr)> WaitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return (_process.ExitCode, await _stderr);
    }

    public bool HasExited => _process.HasExited;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
