using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>A condition on one syscall argument (config-linux.md "Seccomp": args).</summary>
public sealed record LinuxSeccompArg
{
    /// <summary>Argument index, 0..5 (REQUIRED).</summary>
    public uint Index { get; init; }

    public ulong Value { get; init; }

    /// <summary>Second operand, used by <see cref="SeccompOperator.MaskedEqual"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong ValueTwo { get; init; }

    public required SeccompOperator Op { get; init; }
}
