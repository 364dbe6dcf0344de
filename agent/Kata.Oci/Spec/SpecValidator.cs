using System.Globalization;
using System.Text.RegularExpressions;
using Kata.Oci.Json;

namespace Kata.Oci.Spec;

/// <summary>
/// The semantic checks of a parsed configuration, per runtime-spec 1.2 config.md and config-linux.md (and, where the
/// spec leaves it to the runtime, what runc refuses). Returns every problem found, each at its JSON path; an empty list
/// means the configuration is usable. Host-dependent checks (does the namespace file exist, is the device there) belong
/// to the engine, which has the host at hand.
/// </summary>
public static partial class SpecValidator
{
    /// <summary>The runtime-spec version this model implements; any 1.x config is accepted (SemVer compatibility).</summary>
    public const string ImplementedVersion = "1.2.0";

    public static IReadOnlyList<SpecProblem> Validate(RuntimeSpec spec)
    {
        var problems = new List<SpecProblem>();
        var namespaces = NamespaceTable.From(spec.Linux?.Namespaces);

        ValidateVersion(spec.OciVersion, problems);

        if (spec.Root is null)
        {
            problems.Add(new SpecProblem("root", "is required"));
        }
        else if (spec.Root.Path.Length == 0)
        {
            problems.Add(new SpecProblem("root.path", "must not be empty"));
        }

        if (spec.Process is null)
        {
            problems.Add(new SpecProblem("process", "is required"));
        }
        else
        {
            problems.AddRange(ValidateProcess(spec.Process, "process"));
        }

        ValidateUtsName(spec.Hostname, "hostname", namespaces, problems);
        ValidateUtsName(spec.Domainname, "domainname", namespaces, problems);

        if (spec.Mounts is not null)
        {
            for (var i = 0; i < spec.Mounts.Count; i++)
            {
                if (spec.Mounts[i] is null)
                {
                    problems.Add(new SpecProblem(SpecPath.Index("mounts", i), "must not be null"));
                    continue;
                }

                ValidateMount(spec.Mounts[i], SpecPath.Index("mounts", i), problems);
            }
        }

        if (spec.Hooks is not null)
        {
            ValidateHooks(spec.Hooks, problems);
        }

        if (spec.Annotations is not null && spec.Annotations.Keys.Any(k => k.Length == 0))
        {
            problems.Add(new SpecProblem("annotations", "keys must not be empty"));
        }

        if (spec.Linux is not null)
        {
            ValidateLinux(spec.Linux, namespaces, problems);
        }

        return problems;
    }

    private static void ValidateVersion(string version, List<SpecProblem> problems)
    {
        if (version.Length == 0)
        {
            problems.Add(new SpecProblem("ociVersion", "is required"));
            return;
        }

        var match = SemVerPattern().Match(version);
        if (!match.Success)
        {
            problems.Add(new SpecProblem("ociVersion", $"\"{version}\" is not a SemVer version (like \"{ImplementedVersion}\")"));
        }
        else if (match.Groups[1].Value != "1")
        {
            problems.Add(new SpecProblem("ociVersion",
                $"version \"{version}\" is not supported: this runtime implements runtime-spec {ImplementedVersion} and accepts 1.x"));
        }
    }

    private static void ValidateUtsName(string? value, string path, NamespaceTable namespaces, List<SpecProblem> problems)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        // config.md "Hostname": the runtime MUST generate an error if the container has no UTS namespace of its own.
        if (!namespaces.TryGet(NamespaceType.Uts, out var uts))
        {
            problems.Add(new SpecProblem(path, "needs a new uts namespace (add {\"type\": \"uts\"} to linux.namespaces)"));
        }
        else if (uts.Path is not null)
        {
            problems.Add(new SpecProblem(path,
                $"cannot be set when joining the existing uts namespace at {SpecPath.Index("linux.namespaces", uts.Index)}.path"));
        }
    }

    private static void ValidateMount(Mount mount, string path, List<SpecProblem> problems)
    {
        var destination = SpecPath.Property(path, "destination");
        if (mount.Destination.Length == 0)
        {
            problems.Add(new SpecProblem(destination, "must not be empty"));
        }
        else if (!mount.Destination.StartsWith('/'))
        {
            problems.Add(new SpecProblem(destination, $"must be an absolute path, got \"{mount.Destination}\""));
        }
        else if (HasDotDot(mount.Destination))
        {
            problems.Add(new SpecProblem(destination, $"must not contain \"..\", got \"{mount.Destination}\""));
        }

        ValidateStrings(mount.Options, SpecPath.Property(path, "options"), problems);

        // A bind mount has nothing to mount without a source (mount(2) MS_BIND takes the source path).
        var isBind = mount.Type == "bind" || (mount.Options?.Any(o => o is "bind" or "rbind") ?? false);
        if (isBind && string.IsNullOrEmpty(mount.Source))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "source"), "a bind mount needs a source"));
        }

        if ((mount.UidMappings is null) != (mount.GidMappings is null))
        {
            problems.Add(new SpecProblem(path, "an id-mapped mount needs both uidMappings and gidMappings"));
        }

        ValidateIdMappings(mount.UidMappings, SpecPath.Property(path, "uidMappings"), problems);
        ValidateIdMappings(mount.GidMappings, SpecPath.Property(path, "gidMappings"), problems);
    }

    private static void ValidateHooks(Hooks hooks, List<SpecProblem> problems)
    {
        ValidateHookList(hooks.Prestart, "hooks.prestart", problems);
        ValidateHookList(hooks.CreateRuntime, "hooks.createRuntime", problems);
        ValidateHookList(hooks.CreateContainer, "hooks.createContainer", problems);
        ValidateHookList(hooks.StartContainer, "hooks.startContainer", problems);
        ValidateHookList(hooks.Poststart, "hooks.poststart", problems);
        ValidateHookList(hooks.Poststop, "hooks.poststop", problems);
    }

    private static void ValidateHookList(IReadOnlyList<Hook>? hooks, string path, List<SpecProblem> problems)
    {
        if (hooks is null)
        {
            return;
        }

        for (var i = 0; i < hooks.Count; i++)
        {
            var hookPath = SpecPath.Index(path, i);
            var hook = hooks[i];
            if (hook is null)
            {
                problems.Add(new SpecProblem(hookPath, "must not be null"));
                continue;
            }

            ValidateAbsolutePath(hook.Path, SpecPath.Property(hookPath, "path"), problems);
            ValidateStrings(hook.Args, SpecPath.Property(hookPath, "args"), problems);
            ValidateEnv(hook.Env, SpecPath.Property(hookPath, "env"), problems);
            if (hook.Timeout is <= 0)
            {
                problems.Add(new SpecProblem(SpecPath.Property(hookPath, "timeout"),
                    Invariant($"must be greater than zero, got {hook.Timeout}")));
            }
        }
    }

    private static void ValidateAbsolutePath(string? value, string path, List<SpecProblem> problems)
    {
        if (string.IsNullOrEmpty(value))
        {
            problems.Add(new SpecProblem(path, "must not be empty"));
        }
        else if (!value.StartsWith('/'))
        {
            problems.Add(new SpecProblem(path, $"must be an absolute path, got \"{value}\""));
        }
    }

    private static void ValidateAbsolutePaths(IReadOnlyList<string>? values, string path, List<SpecProblem> problems)
    {
        if (values is null)
        {
            return;
        }

        for (var i = 0; i < values.Count; i++)
        {
            ValidateAbsolutePath(values[i], SpecPath.Index(path, i), problems);
        }
    }

    /// <summary>JSON <c>null</c> inside a string array gets past the serializer (element nullability is not enforced).</summary>
    private static void ValidateStrings(IReadOnlyList<string>? values, string path, List<SpecProblem> problems)
    {
        if (values is null)
        {
            return;
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is null)
            {
                problems.Add(new SpecProblem(SpecPath.Index(path, i), "must be a string, got null"));
            }
        }
    }

    private static void ValidateEnv(IReadOnlyList<string>? env, string path, List<SpecProblem> problems)
    {
        if (env is null)
        {
            return;
        }

        for (var i = 0; i < env.Count; i++)
        {
            var entry = env[i];
            if (entry is null)
            {
                problems.Add(new SpecProblem(SpecPath.Index(path, i), "must be a string, got null"));
            }
            else if (entry.IndexOf('=', StringComparison.Ordinal) <= 0)
            {
                problems.Add(new SpecProblem(SpecPath.Index(path, i), $"expected KEY=value, got \"{entry}\""));
            }
        }
    }

    private static bool HasDotDot(string path) =>
        path.Split('/').Any(component => component == "..");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex SemVerPattern();
}
