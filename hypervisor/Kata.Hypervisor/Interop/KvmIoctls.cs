namespace Kata.Hypervisor.Interop;

/// <summary>
/// ioctl request numbers from linux/kvm.h (KVMIO = 0xAE), encoded as _IO/_IOR/_IOW/_IOWR with the struct sizes
/// of <see cref="KvmStructs"/> on x86_64.
/// </summary>
internal static class KvmIoctls
{
    private const uint Kvmio = 0xAE;
    private const uint None = 0, Write = 1, Read = 2;

    private static nuint Ioc(uint dir, uint nr, uint size) => (nuint)((dir << 30) | (size << 16) | (Kvmio << 8) | nr);
    private static nuint Io(uint nr) => Ioc(None, nr, 0);
    private static nuint Ior(uint nr, uint size) => Ioc(Read, nr, size);
    private static nuint Iow(uint nr, uint size) => Ioc(Write, nr, size);
    private static nuint Iowr(uint nr, uint size) => Ioc(Read | Write, nr, size);

    // System ioctls (on the /dev/kvm fd).
    public static readonly nuint GetApiVersion = Io(0x00);
    public static readonly nuint CreateVm = Io(0x01);
    public static readonly nuint GetMsrIndexList = Iowr(0x02, 4);
    public static readonly nuint CheckExtension = Io(0x03);
    public static readonly nuint GetVcpuMmapSize = Io(0x04);
    public static readonly nuint GetSupportedCpuid = Iowr(0x05, 8);

    // VM ioctls.
    public static readonly nuint CreateVcpu = Io(0x41);
    public static readonly nuint SetUserMemoryRegion = Iow(0x46, 32);
    public static readonly nuint SetTssAddr = Io(0x47);
    public static readonly nuint SetIdentityMapAddr = Iow(0x48, 8);
    public static readonly nuint CreateIrqchip = Io(0x60);
    public static readonly nuint IrqLine = Iow(0x61, 8);
    public static readonly nuint Irqfd = Iow(0x76, 32);
    public static readonly nuint CreatePit2 = Iow(0x77, 64);
    public static readonly nuint Ioeventfd = Iow(0x79, 64);

    // vCPU ioctls.
    public static readonly nuint Run = Io(0x80);
    public static readonly nuint GetRegs = Ior(0x81, 144);
    public static readonly nuint SetRegs = Iow(0x82, 144);
    public static readonly nuint GetSregs = Ior(0x83, 312);
    public static readonly nuint SetSregs = Iow(0x84, 312);
    public static readonly nuint GetMsrs = Iowr(0x88, 8);
    public static readonly nuint SetMsrs = Iow(0x89, 8);
    public static readonly nuint GetFpu = Ior(0x8c, 416);
    public static readonly nuint SetFpu = Iow(0x8d, 416);
    public static readonly nuint GetLapic = Ior(0x8e, 1024);
    public static readonly nuint SetLapic = Iow(0x8f, 1024);
    public static readonly nuint SetCpuid2 = Iow(0x90, 8);
    public static readonly nuint GetCpuid2 = Iowr(0x91, 8);
    public static readonly nuint GetMpState = Ior(0x98, 4);
    public static readonly nuint SetMpState = Iow(0x99, 4);
}
