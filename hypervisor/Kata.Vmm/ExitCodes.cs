namespace Kata.Vmm;

/// <summary>kata-style-vmm's process exit codes (documented in hypervisor/README.md).</summary>
public static class ExitCodes
{
    /// <summary>The guest powered off or rebooted, or the host shut the VM down (signal, control API).</summary>
    public const int Success = 0;

    /// <summary>Triple fault, KVM internal error, or the VMM failed (no KVM, bad kernel image, …).</summary>
    public const int Failure = 1;

    /// <summary>Bad command line or configuration file: nothing was started.</summary>
    public const int Usage = 2;
}
