namespace Kata.Hypervisor.Kvm;

/// <summary>Detects which KVM implementation this host offers, from sysfs (no ioctl needed).</summary>
public static class KvmHost
{
    public const string DevicePath = "/dev/kvm";

    public static KvmKind DetectKind(string sysModule = "/sys/module")
    {
        if (!File.Exists(DevicePath))
        {
            return KvmKind.None;
        }
        if (Directory.Exists(Path.Combine(sysModule, "kvm_pvm")))
        {
            return KvmKind.Pvm;
        }
        return KvmKind.Hardware;
    }

    /// <summary>A one-line description for logs and `kata-style check`.</summary>
    public static string Describe(KvmKind kind) => kind switch
    {
        KvmKind.None => "no /dev/kvm on this host",
        KvmKind.Pvm => "KVM is PVM (kvm_pvm, no VT-x/AMD-V): guest CPL0 code is emulated instruction by instruction; "
                       + "a stock kernel prints its banner and then stops at an instruction PVM cannot emulate",
        _ => "hardware-assisted KVM (VT-x/AMD-V)",
    };
}
