namespace Kata.Oci.Spec;

/// <summary>
/// One thing wrong with a configuration: where (<c>linux.namespaces[2].type</c>, empty for the document as a whole)
/// and what (<c>unknown namespace type "foo"</c>).
/// </summary>
public sealed record SpecProblem(string Path, string Message)
{
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}
