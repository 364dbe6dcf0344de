namespace Kata.Container.Spawn;

/// <summary>A message from the stage to the engine.</summary>
internal sealed record StageReport
{
    public StageReportKind Kind { get; init; }

    /// <summary>For <see cref="StageReportKind.Error"/>: what failed, with the path and errno.</summary>
    public string? Message { get; init; }

    /// <summary>For errors from a system call: the call and errno, so the engine can rethrow a typed exception.</summary>
    public string? Call { get; init; }

    public int ErrorNumber { get; init; }

    public string? Path { get; init; }

    /// <summary>For errors: which kind of failure (<see cref="StageErrorKind"/>), so the engine rethrows the same kind.</summary>
    public StageErrorKind ErrorKind { get; init; }

    /// <summary>For <see cref="StageReportKind.Ready"/>: things that were skipped but did not fail the container.</summary>
    public IReadOnlyList<string>? Warnings { get; init; }
}
