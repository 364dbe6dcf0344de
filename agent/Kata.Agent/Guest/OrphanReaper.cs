using Kata.Agent.Interop;
using Kata.Container.Lifecycle;
using Serilog;

namespace Kata.Agent.Guest;

/// <summary>
/// Reaps the orphans that are re-parented to the agent — to it as the guest's PID 1, or as the child subreaper on the
/// host — so they do not stay zombies (what an init must do: see Kata's agent, src/agent/src/main.rs, and tini).
/// The engine's own children are left to the engine, which needs their exit status: a zombie is only peeked at
/// (waitid WNOWAIT) and reaped when <see cref="EngineChildren"/> does not own it and it is still unreaped after a
/// grace period (covering the instant between a spawn and its registration, and a hook runner's own waitpid).
/// One dedicated thread; it blocks in waitid while children run and sleeps briefly while there are none.
/// </summary>
public sealed class OrphanReaper : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan BusyPoll = TimeSpan.FromMilliseconds(25);

    private readonly ILogger _log;
    private readonly Thread _thread;
    private volatile bool _stopping;

    private OrphanReaper(ILogger log)
    {
        _log = log.ForContext<OrphanReaper>();
        _thread = new Thread(Run) { IsBackground = true, Name = "orphan-reaper" };
    }

    /// <summary>The number of orphans reaped so far.</summary>
    public int Reaped { get; private set; }

    public static OrphanReaper Start(ILogger log)
    {
        var reaper = new OrphanReaper(log);
        reaper._thread.Start();
        return reaper;
    }

    private unsafe void Run()
    {
        var info = stackalloc byte[128];
        var firstSeen = new Dictionary<int, DateTime>();
        while (!_stopping)
        {
            new Span<byte>(info, 128).Clear();
            if (AgentLibc.Waitid(AgentLibc.PAll, 0, info, AgentLibc.WExited | AgentLibc.WNowait) != 0)
            {
                int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != AgentLibc.Eintr)
                {
                    // ECHILD: no children at all right now.
                    firstSeen.Clear();
                    Thread.Sleep(IdlePoll);
                }
                continue;
            }
            // siginfo_t (asm-generic/siginfo.h, x86_64): si_pid at offset 16, si_status at offset 24.
            int pid = *(int*)(info + 16);
            if (pid <= 0 || EngineChildren.Owns(pid))
            {
                Thread.Sleep(BusyPoll);
                continue;
            }
            DateTime now = DateTime.UtcNow;
            if (!firstSeen.TryGetValue(pid, out DateTime seen))
            {
                firstSeen[pid] = now;
                Thread.Sleep(BusyPoll);
                continue;
            }
            if (now - seen < Grace)
            {
                Thread.Sleep(BusyPoll);
                continue;
            }
            firstSeen.Remove(pid);
            int status;
            if (AgentLibc.Waitpid(pid, &status, AgentLibc.WNohang) == pid)
            {
                Reaped++;
                _log.Debug("reaped orphan {Pid} (wait status {Status})", pid, status);
            }
        }
    }

    public void Dispose() => _stopping = true;
}
