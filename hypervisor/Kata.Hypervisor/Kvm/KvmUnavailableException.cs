namespace Kata.Hypervisor.Kvm;

/// <summary>/dev/kvm is missing, not accessible, or too old; the message says what to do about it.</summary>
public sealed class KvmUnavailableException : Exception
{
    public KvmUnavailableException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
