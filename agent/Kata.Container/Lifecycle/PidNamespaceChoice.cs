using Kata.Container.Interop;

namespace Kata.Container.Lifecycle;

/// <summary>Where the stage process is created: in a new pid namespace, in a joined one, or in the engine's own.</summary>
internal sealed record PidNamespaceChoice(bool CreateNew, FileDescriptor? JoinFile, string? JoinPath)
{
    public static PidNamespaceChoice Inherit { get; } = new(false, null, null);

    public static PidNamespaceChoice New { get; } = new(true, null, null);

    public static PidNamespaceChoice Join(FileDescriptor file, string path) => new(false, file, path);
}
