using System.Text.Json;

namespace Kata.Oci.Spec;

/// <summary>Writes <c>config.json</c> (and a lone process, as <c>exec --process</c> takes it).</summary>
public static class SpecSerializer
{
    public static string Serialize(RuntimeSpec spec) =>
        JsonSerializer.Serialize(spec, SpecJsonContext.Readable.RuntimeSpec);

    public static string Serialize(ProcessSpec process) =>
        JsonSerializer.Serialize(process, SpecJsonContext.Readable.ProcessSpec);

    /// <summary>Writes <paramref name="spec"/> to <c>&lt;bundleDir&gt;/config.json</c> (mode as the umask allows).</summary>
    public static void WriteToBundle(string bundleDir, RuntimeSpec spec) =>
        File.WriteAllText(Path.Combine(bundleDir, SpecLoader.ConfigFileName), Serialize(spec));
}
