using System.Globalization;

namespace Kata.Container.Interop;

/// <summary>How a child ended, from waitid(2)'s siginfo: an exit code, or the signal that killed it.</summary>
internal readonly record struct ProcessExitStatus(bool Signaled, int Value)
{
    /// <summary>The shell convention the engine reports: the exit code, or 128 + the signal number.</summary>
    public int ToStatusCode() => Signaled ? 128 + Value : Value;

    public bool Succeeded => !Signaled && Value == 0;

    public override string ToString() => Signaled
        ? string.Create(CultureInfo.InvariantCulture, $"killed by signal {Value}")
        : string.Create(CultureInfo.InvariantCulture, $"exit status {Value}");
}
