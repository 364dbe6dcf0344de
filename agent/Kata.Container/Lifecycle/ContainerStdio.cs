using System.Runtime.InteropServices;

namespace Kata.Container.Lifecycle;

/// <summary>The descriptors a container process gets as stdin, stdout and stderr; null means /dev/null. The engine
/// duplicates them into the child; the caller keeps ownership of its handles.</summary>
public sealed record ContainerStdio(SafeHandle? Stdin = null, SafeHandle? Stdout = null, SafeHandle? Stderr = null)
{
    public static ContainerStdio Null { get; } = new();
}
