using System.Globalization;

namespace Kata.Oci.Json;

/// <summary>
/// Builds the JSON paths problems are reported at, in the form users read in their file: <c>process.args</c>,
/// <c>linux.namespaces[2].type</c>, <c>linux.sysctl["net.ipv4.ip_forward"]</c> (keys that are not plain names are
/// quoted). The empty string is the document itself.
/// </summary>
public static class SpecPath
{
    public static string Property(string parent, string name)
    {
        if (IsPlainName(name))
        {
            return parent.Length == 0 ? name : $"{parent}.{name}";
        }

        return $"{parent}[\"{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"]";
    }

    public static string Index(string parent, int index) =>
        $"{parent}[{index.ToString(CultureInfo.InvariantCulture)}]";

    private static bool IsPlainName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
