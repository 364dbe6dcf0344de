namespace Kata.Container.Tests.Infrastructure;

/// <summary>The outcome of a container run to completion.</summary>
internal sealed record ContainerRun(int ExitStatus, string Stdout, string Stderr)
{
    public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
