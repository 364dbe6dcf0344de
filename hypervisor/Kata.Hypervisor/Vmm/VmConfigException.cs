namespace Kata.Hypervisor.Vmm;

/// <summary>A configuration a user must fix (missing file, out-of-range value); the message names the setting.</summary>
public sealed class VmConfigException : Exception
{
    public VmConfigException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
