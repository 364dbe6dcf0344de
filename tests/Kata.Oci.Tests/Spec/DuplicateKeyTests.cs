using Kata.Oci.Spec;
using Kata.Oci.Tests.Infrastructure;

namespace Kata.Oci.Tests.Spec;

/// <summary>Duplicate keys: the last one wins, as with Go's encoding/json (so runc and we read the same file alike).</summary>
public sealed class DuplicateKeyTests
{
    [Fact]
    public void DuplicateMember_LastWins()
    {
        var text = SpecJson.Default().ToJsonString().Replace("\"hostname\"", "\"hostname\": \"first\", \"hostname\"", StringComparison.Ordinal);

        var spec = SpecLoader.Parse(text, SpecJson.Source);

        Assert.Equal(DefaultSpec.DefaultHostname, spec.Hostname);
    }

    [Fact]
    public void DuplicateAnnotation_LastWins()
    {
        var text = SpecJson.Default().ToJsonString()
            .Replace("\"hostname\"", "\"annotations\": {\"a\": \"1\", \"a\": \"2\"}, \"hostname\"", StringComparison.Ordinal);

        var spec = SpecLoader.Parse(text, SpecJson.Source);

        Assert.Equal("2", Assert.Single(spec.Annotations!).Value);
    }
}
