using System.Collections;
using Kata.Ttrpc.Protocol;

namespace Kata.Ttrpc;

/// <summary>
/// Call metadata: string keys, each with one or more values, sent as repeated Request.metadata KeyValue pairs.
/// Keys compare case-insensitively, as ttrpc's MD (metadata.go) lower-cases them.
/// ttrpc responses carry no metadata: it flows from client to server only.
/// </summary>
public sealed class TtrpcMetadata : IEnumerable<KeyValuePair<string, string>>
{
    /// <summary>The key containerd puts its namespace under on ttrpc calls (containerd namespaces/ttrpc.go, TTRPCHeader).</summary>
    public const string ContainerdNamespaceKey = "containerd-namespace-ttrpc";

    private readonly Dictionary<string, List<string>> _values = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>An empty set shared by calls that got no metadata; adding to it throws.</summary>
    public static TtrpcMetadata Empty { get; } = new() { _readOnly = true };

    private bool _readOnly;

    public int Count => _values.Count;

    /// <summary>Adds a value to the key's list.</summary>
    public TtrpcMetadata Add(string key, string value)
    {
        ThrowIfReadOnly();
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!_values.TryGetValue(key, out var list))
        {
            list = [];
            _values[key.ToLowerInvariant()] = list;
        }

        list.Add(value);
        return this;
    }

    /// <summary>Replaces the key's values.</summary>
    public TtrpcMetadata Set(string key, string value)
    {
        ThrowIfReadOnly();
        _values.Remove(key);
        return Add(key, value);
    }

    /// <summary>The first value of the key, or null.</summary>
    public string? Get(string key) => _values.TryGetValue(key, out var list) && list.Count > 0 ? list[0] : null;

    /// <summary>Every value of the key, in the order received.</summary>
    public IReadOnlyList<string> GetAll(string key) => _values.TryGetValue(key, out var list) ? list : [];

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        foreach (var (key, list) in _values)
        {
            foreach (var value in list)
            {
                yield return new KeyValuePair<string, string>(key, value);
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal static TtrpcMetadata FromRequest(Request request)
    {
        if (request.Metadata.Count == 0)
        {
            return Empty;
        }

        var metadata = new TtrpcMetadata();
        foreach (var pair in request.Metadata)
        {
            // A key-less pair is malformed but harmless: keep the call, drop the pair.
            if (pair.Key.Length > 0)
            {
                metadata.Add(pair.Key, pair.Value);
            }
        }

        return metadata;
    }

    internal void CopyTo(Request request)
    {
        foreach (var (key, value) in this)
        {
            request.Metadata.Add(new KeyValue { Key = key, Value = value });
        }
    }

    private void ThrowIfReadOnly()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException("TtrpcMetadata.Empty cannot be changed; create a new TtrpcMetadata");
        }
    }
}
