using System.CommandLine;
using System.Globalization;
using System.Reflection;
using Kata.Cli.Host;
using Kata.Cli.Hosting;
using Kata.Oci.Features;
using Kata.Oci.Spec;
using Kata.Sandbox.Configuration;

namespace Kata.Cli.Commands;

/// <summary>`features`, `version`, `check` and `env`: what this runtime is and what this host offers it.</summary>
public static class InfoCommands
{
    public static Command BuildFeatures(GlobalOptions options)
    {
        var command = new Command("features", "Print the OCI features document (runtime-spec features.md)");
        CommandAction.Set(command, options, (context, _) =>
        {
            context.Out.WriteLine(FeaturesCatalog.Serialize(FeaturesCatalog.Recognized()));
            return Task.FromResult(0);
        });
        return command;
    }

    public static Command BuildVersion(GlobalOptions options)
    {
        var command = new Command("version", "Print the version of kata-style and of the OCI runtime spec it implements");
        CommandAction.Set(command, options, (context, _) =>
        {
            string version = typeof(InfoCommands).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            context.Out.WriteLine($"kata-style version {version}");
            context.Out.WriteLine($"spec: {SpecValidator.ImplementedVersion}");
            context.Out.WriteLine($"runtime: .NET {Environment.Version}");
            context.Out.WriteLine("sandboxes: vm (kata-style-vmm microVM), process (kata-style-agent on the host)");
            return Task.FromResult(0);
        });
        return command;
    }

    public static Command BuildCheck(GlobalOptions options)
    {
        var command = new Command("check", "Check this host: KVM, virtualization, vsock, cgroups, guest image, containerd");
        CommandAction.Set(command, options, (context, _) =>
        {
            (string report, bool vm, bool process) = HostCheck.Run(HostFacts.Probe(), context.Configuration, context.AgentCommand?.ToString());
            context.Out.Write(report);
            return Task.FromResult(vm || process ? 0 : 1);
        });
        return command;
    }

    public static Command BuildEnv(GlobalOptions options)
    {
        var command = new Command("env", "Print the configuration in effect (configuration.toml, defaults and flags resolved)");
        CommandAction.Set(command, options, (context, _) =>
        {
            KataConfiguration configuration = context.Configuration;
            void Line(string key, string value) => context.Out.WriteLine($"{key,-18} = {value}");
            Line("config", configuration.SourcePath ?? "(none: built-in defaults)");
            Line("root", context.Root);
            Line("sandbox", $"{Name(context.Sandbox.Kind)} ({context.Sandbox.Reason})");
            Line("agent", context.AgentCommand?.ToString() ?? "(not found)");
            Line("agent_timeout", configuration.AgentTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s");
            Line("vmm", context.VmmCommand?.ToString() ?? "(not found)");
            Line("kernel", $"{configuration.KernelPath}{(File.Exists(configuration.KernelPath) ? "" : " (missing)")}");
            Line("initrd", $"{configuration.InitrdPath}{(File.Exists(configuration.InitrdPath) ? "" : " (missing)")}");
            Line("vcpus", configuration.Vcpus.ToString(CultureInfo.InvariantCulture));
            Line("memory_mib", configuration.MemoryMib.ToString(CultureInfo.InvariantCulture));
            Line("kernel_params", configuration.KernelParams);
            Line("debug", (context.Debug || configuration.Debug) ? "true" : "false");
            Line("log", context.LogPath ?? "(stderr, warnings and errors)");
            Line("log_format", context.LogFormat);
            return Task.FromResult(0);
        });
        return command;
    }

    private static string Name(Kata.Sandbox.SandboxKind kind) => kind.ToString().ToLowerInvariant();
}
