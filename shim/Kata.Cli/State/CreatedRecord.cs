namespace Kata.Cli.State;

/// <summary>created.json: written by the monitor once the agent has created the container.</summary>
public sealed record CreatedRecord(int Pid, ulong PidStartTime);
