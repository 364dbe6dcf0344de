namespace Kata.Cli.State;

/// <summary>exit.json: written by the monitor when the container's init has exited (status: code, or 128 + signal).</summary>
public sealed record ExitRecord(int Status, DateTimeOffset At);
