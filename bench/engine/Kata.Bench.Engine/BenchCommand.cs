namespace Kata.Bench.Engine;

/// <summary>What the harness is asked to do.</summary>
internal enum BenchCommand
{
    /// <summary>Write the bundle's config.json (Kata.Oci's default spec running /bin/true, no terminal).</summary>
    Spec,

    /// <summary>Time the engine and runc on the bundle, interleaved, and write the report fragment.</summary>
    Run,
}
