using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>How a seccomp rule compares a syscall argument (config-linux.md "Seccomp", libseccomp SCMP_CMP_*).</summary>
[JsonConverter(typeof(SeccompOperatorConverter))]
public enum SeccompOperator
{
    /// <summary><c>SCMP_CMP_NE</c>: argument != value</summary>
    NotEqual,

    /// <summary><c>SCMP_CMP_LT</c>: argument &lt; value</summary>
    LessThan,

    /// <summary><c>SCMP_CMP_LE</c>: argument &lt;= value</summary>
    LessEqual,

    /// <summary><c>SCMP_CMP_EQ</c>: argument == value</summary>
    EqualTo,

    /// <summary><c>SCMP_CMP_GE</c>: argument &gt;= value</summary>
    GreaterEqual,

    /// <summary><c>SCMP_CMP_GT</c>: argument &gt; value</summary>
    GreaterThan,

    /// <summary><c>SCMP_CMP_MASKED_EQ</c>: (argument &amp; value) == valueTwo</summary>
    MaskedEqual,
}
