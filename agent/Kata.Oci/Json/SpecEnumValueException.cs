using System.Text.Json;

namespace Kata.Oci.Json;

/// <summary>
/// A string-enum value the spec does not define. A <see cref="JsonException"/> so the serializer stops and fills in
/// <see cref="JsonException.Path"/>; its own message (without the path) is the problem text the loader reports.
/// </summary>
public sealed class SpecEnumValueException : JsonException
{
    public SpecEnumValueException(string problem) : base(problem)
    {
        Problem = problem;
    }

    /// <summary>The problem alone, without the path or position the serializer may append.</summary>
    public string Problem { get; }
}
