namespace Kata.Oci.Spec;

/// <summary>Terminal size in characters (config.md "consoleSize").</summary>
public sealed record ConsoleSize
{
    public uint Height { get; init; }

    public uint Width { get; init; }
}
