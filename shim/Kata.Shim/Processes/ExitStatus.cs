namespace Kata.Shim.Processes;

/// <summary>How a process ended: exit code (128 + signal for a signalled one) and when.</summary>
public sealed record ExitStatus(uint Code, DateTimeOffset At)
{
    /// <summary>What a process gets when its sandbox (VMM or agent) died under it: 128 + SIGKILL, as if killed.</summary>
    public const uint SandboxDied = 137;
}
