using Kata.Oci.Spec;

namespace Kata.Bench.Engine;

/// <summary>The one config.json both runtimes run: Kata.Oci's default spec (runc's `runc spec` defaults) with
/// /bin/true and no terminal.</summary>
internal static class BundleSpec
{
    public static int Write(string bundle)
    {
        SpecSerializer.WriteToBundle(bundle, DefaultSpec.Create(["/bin/true"], terminal: false));
        return 0;
    }
}
