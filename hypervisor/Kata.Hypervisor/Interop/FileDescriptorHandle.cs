using Microsoft.Win32.SafeHandles;

namespace Kata.Hypervisor.Interop;

/// <summary>A file descriptor owned by the VMM; closed exactly once.</summary>
public class FileDescriptorHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public FileDescriptorHandle() : base(ownsHandle: true)
    {
    }

    internal FileDescriptorHandle(int fd) : base(ownsHandle: true)
    {
        SetHandle(fd);
    }

    /// <summary>The raw descriptor; only valid while this handle is alive.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
