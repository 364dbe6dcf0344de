using Microsoft.Win32.SafeHandles;

namespace Kata.Container.Interop;

/// <summary>A file descriptor owned by the engine; closed exactly once. Descriptor 0 is valid, -1 is not.</summary>
public sealed class FileDescriptor : SafeHandleMinusOneIsInvalid
{
    public FileDescriptor() : base(ownsHandle: true)
    {
    }

    internal FileDescriptor(int fd, bool ownsHandle = true) : base(ownsHandle)
    {
        SetHandle(fd);
    }

    /// <summary>The raw descriptor; only valid while this handle is alive.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
