using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>The execution domain for personality(2) (config-linux.md "Personality").</summary>
[JsonConverter(typeof(PersonalityDomainConverter))]
public enum PersonalityDomain
{
    /// <summary><c>LINUX</c>: The standard Linux personality (PER_LINUX).</summary>
    Linux,

    /// <summary><c>LINUX32</c>: Report a 32-bit machine in uname(2) (PER_LINUX32).</summary>
    Linux32,
}
