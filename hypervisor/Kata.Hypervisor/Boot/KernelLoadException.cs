namespace Kata.Hypervisor.Boot;

/// <summary>
/// A kernel or initrd image that cannot be booted as given (not a kernel, wrong architecture, truncated, too big for
/// the guest's memory). The message names the file and says what to change.
/// </summary>
public class KernelLoadException : Exception
{
    public KernelLoadException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
