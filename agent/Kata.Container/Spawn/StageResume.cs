namespace Kata.Container.Spawn;

/// <summary>The engine's answer to <see cref="StageReportKind.RuntimeHooks"/>: the runtime-namespace hooks succeeded and
/// the stage goes on (a failed hook instead fails create, and the engine kills the stage).</summary>
internal sealed record StageResume
{
    /// <summary>What the engine finished, for a person reading a trace of the socket.</summary>
    public string Completed { get; init; } = "";
}
