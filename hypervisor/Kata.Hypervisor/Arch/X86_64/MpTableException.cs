namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>The MP table cannot describe this machine (too many vCPUs) or does not fit where it must go.</summary>
public sealed class MpTableException : Exception
{
    public MpTableException(string message) : base(message)
    {
    }
}
