using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Kata.Container.Spawn;

/// <summary>
/// Under a JIT runtime (the engine hosted by <c>dotnet</c>, as in tests), assemblies load lazily from the host's
/// filesystem the first time code needs them. After pivot_root or setns into the container's mount namespace those
/// paths are gone, so the stage loads every assembly the engine can reach up front. NativeAOT has nothing to load.
/// </summary>
internal static class StageWarmup
{
    [UnconditionalSuppressMessage("Trimming", "IL2026",
        Justification = "Runs only where dynamic code is supported (a JIT host, never a trimmed NativeAOT build).")]
    public static void PreloadAssemblies()
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<Assembly>();
        pending.Enqueue(typeof(StageWarmup).Assembly);
        while (pending.Count > 0)
        {
            foreach (var reference in pending.Dequeue().GetReferencedAssemblies())
            {
                if (reference.Name is null || !seen.Add(reference.Name))
                {
                    continue;
                }
                try
                {
                    pending.Enqueue(Assembly.Load(reference));
                }
                catch (FileNotFoundException)
                {
                    // a reference the runtime never resolves on Linux (facades for other platforms)
                }
            }
        }
    }
}
