namespace Kata.Oci.Spec;

/// <summary>A namespace to create, or to join when <see cref="Path"/> is set (config-linux.md "Namespaces").</summary>
public sealed record LinuxNamespace
{
    public required NamespaceType Type { get; init; }

    /// <summary>A namespace file to join (<c>/proc/1234/ns/net</c>); absent means create a new namespace.</summary>
    public string? Path { get; init; }
}
