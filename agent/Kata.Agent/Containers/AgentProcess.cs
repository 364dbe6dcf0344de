namespace Kata.Agent.Containers;

/// <summary>A process the agent runs for the host: a container's init (exec id "") or an exec'd process.</summary>
public sealed class AgentProcess
{
    public AgentProcess(string execId, int pid, Task<int> exit, ProcessIo io, Func<int, bool> signal)
    {
        ExecId = execId;
        Pid = pid;
        Signal = signal;
        Io = io;
        // The host is told the exit status only once all the output is readable (nothing lost when it exits at once).
        Exited = WaitAllAsync(exit, io);
    }

    public string ExecId { get; }
    public int Pid { get; }
    public ProcessIo Io { get; }
    /// <summary>Sends a signal to this process; false when it has already exited.</summary>
    public Func<int, bool> Signal { get; }
    /// <summary>The exit status (exit code, or 128 + signal), after stdout and stderr reached EOF.</summary>
    public Task<int> Exited { get; }

    private static async Task<int> WaitAllAsync(Task<int> exit, ProcessIo io)
    {
        int status = await exit;
        // Output held open by a daemonized grandchild must not hold up the exit status forever.
        await Task.WhenAny(io.Drained, Task.Delay(TimeSpan.FromSeconds(2)));
        return status;
    }
}
