namespace Kata.Oci.Spec;

/// <summary>A network priority for one interface (config-linux.md "Network": priorities).</summary>
public sealed record LinuxInterfacePriority
{
    // A member left out of the JSON reaches the init accessor as null (the source generator passes defaults for
    // init-only members it did not read), so the accessor keeps the documented non-null default instead.
    private readonly string _name = "";

    public string Name { get => _name; init => _name = value ?? ""; }

    public uint Priority { get; init; }
}
