namespace Kata.Sandbox;

/// <summary>
/// How to start one of our executables: the NativeAOT binary itself (<c>["/usr/local/bin/kata-style-agent"]</c>),
/// or a framework-dependent build under dotnet (<c>["dotnet", "/path/kata-style-agent.dll"]</c>, as the tests do).
/// </summary>
public sealed record CommandPrefix(IReadOnlyList<string> Words)
{
    public static CommandPrefix Of(params string[] words) =>
        words.Length > 0 ? new CommandPrefix(words) : throw new ArgumentException("a command needs at least the program", nameof(words));

    public string Program => Words[0];

    public override string ToString() => string.Join(' ', Words);
}
