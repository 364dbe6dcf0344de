namespace Kata.Hypervisor.Vmm;

/// <summary>Destination of the guest's 8250 UART output.</summary>
public enum SerialOutput
{
    Stdout,
    File,
    None,
}
