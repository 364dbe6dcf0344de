using System.Globalization;
using System.Text;

namespace Kata.Oci.Json;

/// <summary>
/// Parses the path System.Text.Json puts on a <see cref="System.Text.Json.JsonException"/>
/// (<c>$.linux.namespaces[2].type</c>, <c>$.linux.sysctl['net.ipv4.ip_forward']</c>) into segments.
/// </summary>
internal static class JsonErrorPath
{
    public static IReadOnlyList<JsonPathSegment> Parse(string? path)
    {
        var segments = new List<JsonPathSegment>();
        if (string.IsNullOrEmpty(path) || path[0] != '$')
        {
            return segments;
        }

        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = i + 1;
                while (end < path.Length && path[end] != '.' && path[end] != '[')
                {
                    end++;
                }

                segments.Add(new JsonPathSegment(path[(i + 1)..end], 0));
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                // ['name'] with '' standing for a quote inside the name.
                var name = new StringBuilder();
                var j = i + 2;
                while (j < path.Length)
                {
                    if (path[j] == '\'' && j + 1 < path.Length && path[j + 1] == '\'')
                    {
                        name.Append('\'');
                        j += 2;
                    }
                    else if (path[j] == '\'')
                    {
                        break;
                    }
                    else
                    {
                        name.Append(path[j]);
                        j++;
                    }
                }

                segments.Add(new JsonPathSegment(name.ToString(), 0));
                i = Math.Min(path.Length, j + 2); // past "']"
            }
            else if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                if (close < 0)
                {
                    break;
                }

                if (int.TryParse(path.AsSpan(i + 1, close - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    segments.Add(new JsonPathSegment(null, index));
                }

                i = close + 1;
            }
            else
            {
                break;
            }
        }

        return segments;
    }

    /// <summary>The same path in the form problems are reported in (<see cref="SpecPath"/>).</summary>
    public static string ToSpecPath(IReadOnlyList<JsonPathSegment> segments)
    {
        var path = "";
        foreach (var segment in segments)
        {
            path = segment.IsIndex ? SpecPath.Index(path, segment.Index) : SpecPath.Property(path, segment.Name!);
        }

        return path;
    }
}
