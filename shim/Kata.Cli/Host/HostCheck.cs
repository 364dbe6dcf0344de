using System.Text;
using Kata.Sandbox.Configuration;

namespace Kata.Cli.Host;

/// <summary>
/// `kata-style check`: one line per requirement, each either OK or with what to do about it (as `kata-runtime check`).
/// The exit status is 0 when at least one sandbox kind can run containers here.
/// </summary>
public static class HostCheck
{
    public const string ContainerdConfig = "/etc/containerd/config.toml";
    public const string RuntimeType = "io.containerd.kata-style.v2";

    public static (string Report, bool VmUsable, bool ProcessUsable) Run(HostFacts host, KataConfiguration configuration, string? agentCommand)
    {
        var report = new StringBuilder();
        void Line(bool ok, string what, string detail) => report.Append(ok ? "[ OK ] " : "[FAIL] ").Append(what).Append(": ").AppendLine(detail);
        void Info(string what, string detail) => report.Append("[INFO] ").Append(what).Append(": ").AppendLine(detail);

        Line(host.KvmPresent, HostFacts.KvmDevice, host.KvmPresent ? "present" : host.KvmProblem);
        if (host.KvmPresent)
        {
            Line(host.KvmWritable, $"{HostFacts.KvmDevice} writable", host.KvmWritable ? "yes" : host.KvmProblem);
        }
        bool pvmGuest = GuestKernel.SupportsPvm(configuration.KernelPath);
        if (host.HardwareVirtualization is not null)
        {
            Line(true, "virtualization", $"hardware: {host.HardwareVirtualization}");
        }
        else if (host.IsPvmHost)
        {
            Line(pvmGuest, "virtualization", pvmGuest
                ? "PVM (kvm_pvm, no VT-x/AMD-V) with a PVM guest kernel"
                : $"PVM only (kvm_pvm, no VT-x/AMD-V): the guest kernel {configuration.KernelPath} is not a PVM guest (CONFIG_PVM_GUEST=y), so a full guest boot stalls here; use --sandbox process or build a PVM guest kernel");
        }
        else
        {
            Line(false, "virtualization", "neither VT-x/AMD-V (vmx/svm in /proc/cpuinfo) nor PVM (/sys/module/kvm_pvm): enable virtualization in the firmware or load kvm_pvm");
        }
        Info("vsock", host.VhostVsock
            ? "vhost-vsock is available (not needed: kata-style-vmm uses hybrid vsock over a Unix socket)"
            : "no vhost-vsock (not needed: kata-style-vmm uses hybrid vsock over a Unix socket)");
        Info("cgroups", host.CgroupVersion + (host.CgroupVersion == "v2" ? "" : " (the guest kernel gives containers cgroup v2 inside the VM)"));
        bool kernel = File.Exists(configuration.KernelPath);
        bool initrd = File.Exists(configuration.InitrdPath);
        Line(kernel, "guest kernel", kernel ? configuration.KernelPath : $"{configuration.KernelPath} is missing: `make guest-image` builds it (or set kernel_path in configuration.toml)");
        Line(initrd, "guest initramfs", initrd ? configuration.InitrdPath : $"{configuration.InitrdPath} is missing: `make guest-image` builds it (or set initrd_path in configuration.toml)");
        Line(agentCommand is not null, "agent", agentCommand ?? "kata-style-agent not found next to kata-style nor on PATH (install build/bin, or set the agent path in configuration.toml)");
        ReportContainerd(report);

        bool vmUsable = host.KvmUsable && kernel && initrd && (host.HardwareVirtualization is not null || (host.IsPvmHost && pvmGuest));
        bool processUsable = agentCommand is not null;
        report.AppendLine();
        report.AppendLine(vmUsable ? "vm sandbox: usable" : "vm sandbox: NOT usable here (see the FAIL lines)");
        report.AppendLine(processUsable ? "process sandbox: usable (weaker isolation: no VM boundary)" : "process sandbox: NOT usable (no agent)");
        return (report.ToString(), vmUsable, processUsable);
    }

    private static void ReportContainerd(StringBuilder report)
    {
        if (!File.Exists(ContainerdConfig))
        {
            report.AppendLine($"[INFO] containerd: {ContainerdConfig} does not exist (only needed to use kata-style from containerd)");
            return;
        }
        string text = File.ReadAllText(ContainerdConfig);
        bool mentions = text.Contains(RuntimeType, StringComparison.Ordinal);
        report.Append(mentions ? "[ OK ] " : "[WARN] ").Append("containerd: ").AppendLine(mentions
            ? $"{ContainerdConfig} configures runtime_type {RuntimeType}"
            : $"{ContainerdConfig} does not mention {RuntimeType}: add [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata-style] runtime_type = \"{RuntimeType}\" and restart containerd");
    }
}
