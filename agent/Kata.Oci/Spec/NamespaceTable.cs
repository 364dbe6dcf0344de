namespace Kata.Oci.Spec;

/// <summary>
/// The namespaces of a config by type, for checks that depend on them ("hostname needs a new uts namespace").
/// The first entry of a type wins; duplicates are reported by the validator.
/// </summary>
internal sealed class NamespaceTable
{
    private readonly Dictionary<NamespaceType, Entry> _byType = new();

    public static NamespaceTable From(IReadOnlyList<LinuxNamespace>? namespaces)
    {
        var table = new NamespaceTable();
        if (namespaces is null)
        {
            return table;
        }

        for (var i = 0; i < namespaces.Count; i++)
        {
            if (namespaces[i] is { } ns)
            {
                table._byType.TryAdd(ns.Type, new Entry(i, string.IsNullOrEmpty(ns.Path) ? null : ns.Path));
            }
        }

        return table;
    }

    public bool TryGet(NamespaceType type, out Entry entry) => _byType.TryGetValue(type, out entry);

    /// <summary>Whether the config creates (not joins) a namespace of <paramref name="type"/>.</summary>
    public bool CreatesNew(NamespaceType type) => _byType.TryGetValue(type, out var entry) && entry.Path is null;

    /// <summary>Where in <c>linux.namespaces</c> a type is, and the path it joins (null: a new namespace).</summary>
    public readonly record struct Entry(int Index, string? Path);
}
