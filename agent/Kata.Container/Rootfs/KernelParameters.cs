using Kata.Oci.Spec;

namespace Kata.Container.Rootfs;

/// <summary>linux.sysctl: writes each value to /proc/sys (the container's /proc, so namespaced parameters apply to the
/// container only; the kernel refuses the others).</summary>
internal static class KernelParameters
{
    public static void Apply(RuntimeSpec spec)
    {
        foreach (var (key, value) in spec.Linux?.Sysctl ?? new Dictionary<string, string>())
        {
            if (key.Length == 0 || key.Contains("..") || key.Contains('/'))
            {
                throw new ContainerConfigException($"linux.sysctl: '{key}' is not a valid parameter name");
            }
            var path = "/proc/sys/" + key.Replace('.', '/');
            try
            {
                File.WriteAllText(path, value);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new ContainerConfigException($"linux.sysctl: cannot set {key}={value} ({path}): {exception.Message}", exception);
            }
        }
    }
}
