namespace Kata.Container.Spawn;

/// <summary>
/// How to start the stage executable: the command prefix to which the stage arguments are appended. For the NativeAOT
/// agent that is just its own path (<c>/proc/self/exe</c> resolved); for a managed host it may be
/// <c>["/usr/bin/dotnet", "/path/App.dll"]</c> or an apphost. The executable's Main must call
/// <see cref="ContainerStage.RunIfRequested"/> first.
/// </summary>
public sealed record StageCommand
{
    public StageCommand(IReadOnlyList<string> prefix)
    {
        if (prefix.Count == 0 || string.IsNullOrEmpty(prefix[0]))
        {
            throw new ArgumentException("the stage command needs at least an executable path", nameof(prefix));
        }
        if (!Path.IsPathFullyQualified(prefix[0]))
        {
            throw new ArgumentException($"the stage executable '{prefix[0]}' must be an absolute path", nameof(prefix));
        }
        Prefix = prefix;
    }

    /// <summary>Executable path first, then any fixed arguments (an assembly path for <c>dotnet</c>).</summary>
    public IReadOnlyList<string> Prefix { get; }

    public string Executable => Prefix[0];

    /// <summary>The running executable itself: right for a NativeAOT or apphost-launched program whose Main calls
    /// <see cref="ContainerStage.RunIfRequested"/>.</summary>
    public static StageCommand ForCurrentProcess()
    {
        var path = Environment.ProcessPath
            ?? throw new InvalidOperationException("the path of the running executable is unknown; configure a StageCommand");
        return new StageCommand([path]);
    }

    public override string ToString() => string.Join(' ', Prefix);
}
