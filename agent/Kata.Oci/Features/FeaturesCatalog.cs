using System.Text.Json;
using Kata.Oci.Json;
using Kata.Oci.Spec;

namespace Kata.Oci.Features;

/// <summary>
/// The parts of the features document this model decides: the versions, hook names, namespace types, capabilities and
/// seccomp vocabulary it recognizes. What the engine actually implements (cgroup versions, seccomp on this kernel,
/// mount options) is the caller's to add with <c>with</c>.
/// </summary>
public static class FeaturesCatalog
{
    public const string MinimumVersion = "1.0.0";

    public static IReadOnlyList<string> HookNames { get; } =
        ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"];

    public static RuntimeFeatures Recognized() => new()
    {
        OciVersionMin = MinimumVersion,
        OciVersionMax = SpecValidator.ImplementedVersion,
        Hooks = HookNames,
        Linux = new LinuxFeatures
        {
            Namespaces = NamespaceTypeConverter.Instance.SpecNames.ToList(),
            Capabilities = KnownCapabilities.Numbers.OrderBy(c => c.Value).Select(c => c.Key).ToList(),
            Seccomp = new SeccompFeatures
            {
                Actions = SeccompActionConverter.Instance.SpecNames.ToList(),
                Operators = SeccompOperatorConverter.Instance.SpecNames.ToList(),
                Archs = SeccompArchConverter.Instance.SpecNames.ToList(),
                KnownFlags = SeccompFlagConverter.Instance.SpecNames.ToList(),
            },
        },
    };

    /// <summary>Reads a features document (another runtime's, say); bad input is a <see cref="SpecValidationException"/>.</summary>
    public static RuntimeFeatures Parse(string json, string sourceName) =>
        StrictJsonReader.Read(json, sourceName, FeaturesJsonContext.Default.RuntimeFeatures);

    public static string Serialize(RuntimeFeatures features) =>
        JsonSerializer.Serialize(features, FeaturesJsonContext.Default.RuntimeFeatures);
}
