using Kata.Oci.Json;

namespace Kata.Oci.Spec;

/// <summary>The spec strings of <see cref="IoPriorityClass"/>.</summary>
public sealed class IoPriorityClassConverter : SpecEnumConverter<IoPriorityClass>
{
    /// <summary>Shared instance for name lookups outside of JSON (<c>IoPriorityClassConverter.Instance.ToSpecName(...)</c>).</summary>
    public static readonly IoPriorityClassConverter Instance = new();

    public IoPriorityClassConverter() : base("I/O priority class",
    [
        new(IoPriorityClass.RealTime, "IOPRIO_CLASS_RT"),
        new(IoPriorityClass.BestEffort, "IOPRIO_CLASS_BE"),
        new(IoPriorityClass.Idle, "IOPRIO_CLASS_IDLE"),
    ])
    {
    }
}
