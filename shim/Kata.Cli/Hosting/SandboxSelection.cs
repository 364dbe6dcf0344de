using Kata.Cli.Host;
using Kata.Sandbox;
using Kata.Sandbox.Configuration;

namespace Kata.Cli.Hosting;

/// <summary>
/// Decides between `vm` and `process`. Never silently (ARCHITECTURE.md "Sandbox kinds"): an explicit flag or the
/// configuration wins; `auto` takes vm only when it can work and says what it found either way.
/// </summary>
public static class SandboxSelection
{
    public static SandboxChoice Choose(string? flag, KataConfiguration configuration, HostFacts host)
    {
        switch (flag)
        {
            case "vm":
                return new SandboxChoice(SandboxKind.Vm, "--sandbox vm");
            case "process":
                return new SandboxChoice(SandboxKind.Process, "--sandbox process");
            case null or "":
                return new SandboxChoice(configuration.Sandbox,
                    configuration.SourcePath is null ? "built-in default (no configuration file)" : $"sandbox in {configuration.SourcePath}");
        }
        // auto
        if (!host.KvmUsable)
        {
            return new SandboxChoice(SandboxKind.Process, $"auto: process, because {host.KvmProblem}");
        }
        if (!File.Exists(configuration.KernelPath) || !File.Exists(configuration.InitrdPath))
        {
            return new SandboxChoice(SandboxKind.Process,
                $"auto: process, because the guest image is missing ({configuration.KernelPath}, {configuration.InitrdPath}; build it with `make guest-image`)");
        }
        if (host.IsPvmHost && !GuestKernel.SupportsPvm(configuration.KernelPath))
        {
            return new SandboxChoice(SandboxKind.Process,
                $"auto: process, because /dev/kvm is PVM (kvm_pvm, no VT-x/AMD-V) and the guest kernel {configuration.KernelPath} is not a PVM guest kernel (CONFIG_PVM_GUEST)");
        }
        return new SandboxChoice(SandboxKind.Vm, host.IsPvmHost
            ? "auto: vm (/dev/kvm is PVM and the guest kernel is a PVM guest)"
            : "auto: vm (/dev/kvm usable, guest image present)");
    }
}
