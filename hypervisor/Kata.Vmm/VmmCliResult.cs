using System.CommandLine;

namespace Kata.Vmm;

/// <summary>
/// The outcome of <see cref="VmmCommandLine.Parse"/>: settings to run with, usage errors (exit code 2), or a
/// built-in action such as <c>--help</c> or <c>--version</c> to invoke instead.
/// </summary>
public sealed record VmmCliResult
{
    public VmmSettings? Settings { get; init; }

    /// <summary>One line per problem, each naming the flag or config property; non-empty means exit code 2.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>Set for <c>--help</c>, <c>--version</c> and other System.CommandLine actions: invoke it and exit.</summary>
    public ParseResult? BuiltInAction { get; init; }

    public int? ExitCode => Errors.Count > 0 ? ExitCodes.Usage : null;
}
