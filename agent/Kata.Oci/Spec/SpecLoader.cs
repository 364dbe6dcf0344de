using Kata.Oci.Json;

namespace Kata.Oci.Spec;

/// <summary>
/// Reads and validates a bundle's <c>config.json</c>. Every failure is a <see cref="SpecValidationException"/> whose
/// problems name the JSON path and what is wrong; nothing else escapes for bad input.
/// </summary>
public static class SpecLoader
{
    public const string ConfigFileName = "config.json";

    /// <summary>Loads <c>&lt;bundleDir&gt;/config.json</c>, then validates it (<see cref="SpecValidator"/>).</summary>
    public static RuntimeSpec Load(string bundleDir)
    {
        if (!Directory.Exists(bundleDir))
        {
            throw new SpecValidationException(File.Exists(bundleDir)
                ? $"bundle {bundleDir} is not a directory"
                : $"bundle {bundleDir} does not exist");
        }

        var configPath = Path.Combine(bundleDir, ConfigFileName);
        if (!File.Exists(configPath))
        {
            throw new SpecValidationException($"bundle {bundleDir} has no {ConfigFileName}");
        }

        string json;
        try
        {
            json = File.ReadAllText(configPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SpecValidationException($"cannot read {configPath}: {ex.Message}");
        }

        return Parse(json, configPath);
    }

    /// <summary>Parses and validates <paramref name="json"/>; <paramref name="sourceName"/> prefixes every message.</summary>
    public static RuntimeSpec Parse(string json, string sourceName)
    {
        var spec = Deserialize(json, sourceName);
        var problems = SpecValidator.Validate(spec);
        if (problems.Count > 0)
        {
            throw new SpecValidationException(sourceName, problems);
        }

        return spec;
    }

    /// <summary>Parses without the semantic checks: the JSON must still be well-formed and of the right types.</summary>
    public static RuntimeSpec Deserialize(string json, string sourceName) =>
        StrictJsonReader.Read(json, sourceName, SpecJsonContext.Default.RuntimeSpec);

    /// <summary>Parses a lone process (as <c>exec --process process.json</c> takes it) and validates it.</summary>
    public static ProcessSpec ParseProcess(string json, string sourceName)
    {
        var process = StrictJsonReader.Read(json, sourceName, SpecJsonContext.Default.ProcessSpec);
        var problems = SpecValidator.ValidateProcess(process, "");
        if (problems.Count > 0)
        {
            throw new SpecValidationException(sourceName, problems);
        }

        return process;
    }

    /// <summary>Parses a lone <c>linux.resources</c> object (an update's resources, as <c>runc update -r</c> takes it).</summary>
    public static LinuxResources ParseResources(string json, string sourceName) =>
        StrictJsonReader.Read(json, sourceName, SpecJsonContext.Default.LinuxResources);
}
