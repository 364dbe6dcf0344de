using System.Runtime.CompilerServices;
using Kata.Oci.Spec;

namespace Kata.Container.Tests.Seccomp;

/// <summary>Small seccomp sections for the tests, and Docker's default profile from the fixture.</summary>
internal static class SeccompSpecs
{
    public static LinuxSeccomp Profile(SeccompAction defaultAction, params LinuxSyscall[] rules) =>
        new() { DefaultAction = defaultAction, Syscalls = rules };

    public static LinuxSyscall Rule(SeccompAction action, string name, params LinuxSeccompArg[] args) =>
        new() { Names = [name], Action = action, Args = args.Length == 0 ? null : args };

    public static LinuxSeccompArg Arg(uint index, SeccompOperator op, ulong value, ulong valueTwo = 0) =>
        new() { Index = index, Op = op, Value = value, ValueTwo = valueTwo };

    /// <summary>Docker's default profile as containerd resolves it for amd64 (Fixtures/docker-default-amd64.json).</summary>
    public static LinuxSeccomp DockerDefault()
    {
        var path = FixturePath("docker-default-amd64.json");
        var spec = SpecLoader.Deserialize(File.ReadAllText(path), path);
        return spec.Linux?.Seccomp ?? throw new InvalidOperationException($"{path} has no linux.seccomp");
    }

    /// <summary>
    /// The fixture next to this source file (the test project does not copy fixtures to its output; the tests run
    /// from the source tree), or in the output directory when a build copies it there.
    /// </summary>
    private static string FixturePath(string name, [CallerFilePath] string sourceFile = "")
    {
        var besideSource = Path.Combine(Path.GetDirectoryName(sourceFile) ?? "", "Fixtures", name);
        return File.Exists(besideSource) ? besideSource : Path.Combine(AppContext.BaseDirectory, "Seccomp", "Fixtures", name);
    }
}
