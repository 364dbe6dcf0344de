namespace Kata.Oci.Spec;

/// <summary>
/// A bundle's configuration cannot be used. Carries every problem found, not just the first; the message has one
/// line per problem, <c>config.json: process.args: must not be empty</c>.
/// </summary>
public sealed class SpecValidationException : Exception
{
    public SpecValidationException(string sourceName, IReadOnlyList<SpecProblem> problems)
        : base(Format(sourceName, problems))
    {
        if (problems.Count == 0)
        {
            throw new ArgumentException("a validation failure needs at least one problem", nameof(problems));
        }

        SourceName = sourceName;
        Problems = problems;
    }

    /// <summary>A failure before there is a document to point into (<c>bundle /x has no config.json</c>).</summary>
    public SpecValidationException(string message)
        : base(message)
    {
        SourceName = "";
        Problems = [new SpecProblem("", message)];
    }

    /// <summary>The file or other source the problems are in (<c>/run/bundle/config.json</c>).</summary>
    public string SourceName { get; }

    public IReadOnlyList<SpecProblem> Problems { get; }

    private static string Format(string sourceName, IReadOnlyList<SpecProblem> problems) =>
        string.Join('\n', problems.Select(p => sourceName.Length == 0 ? p.ToString() : $"{sourceName}: {p}"));
}
