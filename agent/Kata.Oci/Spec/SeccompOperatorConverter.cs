using Kata.Oci.Json;

namespace Kata.Oci.Spec;

/// <summary>The spec strings of <see cref="SeccompOperator"/>.</summary>
public sealed class SeccompOperatorConverter : SpecEnumConverter<SeccompOperator>
{
    /// <summary>Shared instance for name lookups outside of JSON (<c>SeccompOperatorConverter.Instance.ToSpecName(...)</c>).</summary>
    public static readonly SeccompOperatorConverter Instance = new();

    public SeccompOperatorConverter() : base("seccomp operator",
    [
        new(SeccompOperator.NotEqual, "SCMP_CMP_NE"),
        new(SeccompOperator.LessThan, "SCMP_CMP_LT"),
        new(SeccompOperator.LessEqual, "SCMP_CMP_LE"),
        new(SeccompOperator.EqualTo, "SCMP_CMP_EQ"),
        new(SeccompOperator.GreaterEqual, "SCMP_CMP_GE"),
        new(SeccompOperator.GreaterThan, "SCMP_CMP_GT"),
        new(SeccompOperator.MaskedEqual, "SCMP_CMP_MASKED_EQ"),
    ])
    {
    }
}
