using Kata.Oci.Json;

namespace Kata.Oci.Spec;

/// <summary>The spec strings of <see cref="PersonalityDomain"/>.</summary>
public sealed class PersonalityDomainConverter : SpecEnumConverter<PersonalityDomain>
{
    /// <summary>Shared instance for name lookups outside of JSON (<c>PersonalityDomainConverter.Instance.ToSpecName(...)</c>).</summary>
    public static readonly PersonalityDomainConverter Instance = new();

    public PersonalityDomainConverter() : base("personality domain",
    [
        new(PersonalityDomain.Linux, "LINUX"),
        new(PersonalityDomain.Linux32, "LINUX32"),
    ])
    {
    }
}
