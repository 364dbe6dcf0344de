using Kata.Hypervisor.Interop;

namespace Kata.Hypervisor.Memory;

/// <summary>An anonymous or fd-backed mmap owned by the VMM; unmapped exactly once.</summary>
public sealed class MmapRegion : System.Runtime.InteropServices.SafeHandle
{
    private MmapRegion(IntPtr address, ulong length) : base(Libc.MAP_FAILED, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    public ulong Length { get; }

    public IntPtr Address => handle;

    public override bool IsInvalid => handle == Libc.MAP_FAILED || handle == IntPtr.Zero;

    /// <summary>Private anonymous memory, not reserved up front (pages are allocated on first touch).</summary>
    public static MmapRegion Anonymous(ulong length)
    {
        IntPtr address = Libc.Mmap(IntPtr.Zero, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE,
            Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0);
        if (address == Libc.MAP_FAILED)
        {
            throw new SystemCallException("mmap", Errno.Last, $"{length} bytes of guest memory");
        }
        return new MmapRegion(address, length);
    }

    /// <summary>A shared mapping of <paramref name="fd"/> (the vCPU's kvm_run page).</summary>
    public static MmapRegion SharedFile(int fd, ulong length, string what)
    {
        IntPtr address = Libc.Mmap(IntPtr.Zero, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        if (address == Libc.MAP_FAILED)
        {
            throw new SystemCallException("mmap", Errno.Last, what);
        }
        return new MmapRegion(address, length);
    }

    protected override bool ReleaseHandle() => Libc.Munmap(handle, (nuint)Length) == 0;
}
