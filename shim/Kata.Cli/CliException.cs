namespace Kata.Cli;

/// <summary>A failure the user can act on: printed as "kata-style: MESSAGE" with exit status 1 (no stack trace).</summary>
public sealed class CliException : Exception
{
    public CliException(string message) : base(message) { }

    public CliException(string message, Exception inner) : base(message, inner) { }
}
