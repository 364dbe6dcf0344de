namespace Kata.Oci.Json;

/// <summary>One step of a System.Text.Json error path: a property name, or an array index when <see cref="Name"/> is null.</summary>
internal readonly record struct JsonPathSegment(string? Name, int Index)
{
    public bool IsIndex => Name is null;
}
