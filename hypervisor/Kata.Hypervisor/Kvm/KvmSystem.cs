using Kata.Hypervisor.Interop;

namespace Kata.Hypervisor.Kvm;

/// <summary>The /dev/kvm system fd: the root of the Kvm → Vm → Vcpu hierarchy.</summary>
public sealed class KvmSystem : IDisposable
{
    /// <summary>KVM_API_VERSION has been 12 since Linux 2.6.22.</summary>
    public const int ExpectedApiVersion = 12;

    private readonly FileDescriptorHandle _handle;

    private KvmSystem(FileDescriptorHandle handle, int vcpuMmapSize)
    {
        _handle = handle;
        VcpuMmapSize = vcpuMmapSize;
    }

    public int VcpuMmapSize { get; }

    internal FileDescriptorHandle Handle => _handle;

    /// <summary>Opens /dev/kvm, with a message a user can act on when that is not possible.</summary>
    public static KvmSystem Open(string path = KvmHost.DevicePath)
    {
        int fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Errno.Last;
            string hint = errno switch
            {
                Libc.ENOENT => $"{path} does not exist: load kvm_intel/kvm_amd (or kvm_pvm), or use the 'process' sandbox",
                Libc.EACCES or Libc.EPERM => $"no permission to open {path}: run as root or add this user to the 'kvm' group",
                _ => $"cannot open {path}",
            };
            throw new KvmUnavailableException($"{hint} ({Errno.Describe(errno)})", new SystemCallException("open", errno, path));
        }
        var handle = new FileDescriptorHandle(fd);
        try
        {
            int version = Libc.Ioctl(fd, KvmIoctls.GetApiVersion, 0);
            if (version != ExpectedApiVersion)
            {
                throw new KvmUnavailableException($"{path} reports KVM API version {version}, expected {ExpectedApiVersion}");
            }
            int mmapSize = Errno.Check(Libc.Ioctl(fd, KvmIoctls.GetVcpuMmapSize, 0), "KVM_GET_VCPU_MMAP_SIZE", path);
            return new KvmSystem(handle, mmapSize);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public int CheckExtension(KvmCapability capability) =>
        Libc.Ioctl(_handle.Fd, KvmIoctls.CheckExtension, (nint)capability);

    public bool HasExtension(KvmCapability capability) => CheckExtension(capability) > 0;

    /// <summary>KVM_GET_SUPPORTED_CPUID: the CPUID leaves this host's KVM can give a guest.</summary>
    public unsafe KvmCpuidEntry2[] GetSupportedCpuid()
    {
        const int maxEntries = 256;
        int size = 8 + maxEntries * sizeof(KvmCpuidEntry2);
        byte* buffer = stackalloc byte[size];
        new Span<byte>(buffer, size).Clear();
        *(uint*)buffer = maxEntries;
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.GetSupportedCpuid, buffer), "KVM_GET_SUPPORTED_CPUID");
        uint count = *(uint*)buffer;
        return new ReadOnlySpan<KvmCpuidEntry2>(buffer + 8, (int)count).ToArray();
    }

    /// <summary>KVM_GET_MSR_INDEX_LIST: the MSRs KVM saves and restores for a vCPU.</summary>
    public unsafe uint[] GetMsrIndexList()
    {
        const int max = 1024;
        uint* buffer = stackalloc uint[max + 1];
        buffer[0] = max;
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.GetMsrIndexList, buffer), "KVM_GET_MSR_INDEX_LIST");
        return new ReadOnlySpan<uint>(buffer + 1, (int)buffer[0]).ToArray();
    }

    public VirtualMachine CreateVm()
    {
        int fd = Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.CreateVm, 0), "KVM_CREATE_VM");
        return new VirtualMachine(this, new FileDescriptorHandle(fd));
    }

    public void Dispose() => _handle.Dispose();
}
