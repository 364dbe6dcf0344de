namespace Kata.Cli.State;

/// <summary>monitor.json: the monitor's first act, so that `delete` can always find and end it (even if `create` crashed right after starting it).</summary>
public sealed record MonitorRecord(int Pid, ulong StartTime);
