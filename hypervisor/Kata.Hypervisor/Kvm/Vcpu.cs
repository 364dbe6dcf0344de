using System.Runtime.InteropServices;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Kvm;

/// <summary>A KVM vCPU fd and its mapped kvm_run page.</summary>
public sealed class Vcpu : IDisposable
{
    private readonly FileDescriptorHandle _handle;
    private readonly MmapRegion _run;

    internal Vcpu(uint id, FileDescriptorHandle handle, int mmapSize)
    {
        Id = id;
        _handle = handle;
        _run = MmapRegion.SharedFile(handle.Fd, (ulong)mmapSize, $"kvm_run of vCPU {id}");
    }

    public uint Id { get; }

    private unsafe Span<byte> RunPage => new((void*)_run.Address, (int)_run.Length);

    private unsafe ref KvmRunHeader RunHeader => ref *(KvmRunHeader*)_run.Address;

    /// <summary>
    /// kvm_run.immediate_exit: when set, KVM_RUN returns EINTR at once. Set together with a signal to the vCPU thread
    /// to kick a running vCPU out of the guest without a race (see <see cref="VcpuKicker"/>).
    /// </summary>
    public bool ImmediateExit
    {
        get => Volatile.Read(ref RunHeader.ImmediateExit) != 0;
        set => Volatile.Write(ref RunHeader.ImmediateExit, value ? (byte)1 : (byte)0);
    }

    /// <summary>Enters the guest until the next exit. EINTR (a kick) comes back as <see cref="VcpuExitReason.Interrupted"/>.</summary>
    public VcpuExit Run()
    {
        int result = Libc.Ioctl(_handle.Fd, KvmIoctls.Run, 0);
        if (result < 0)
        {
            int errno = Errno.Last;
            if (errno == Libc.EINTR || errno == Libc.EAGAIN)
            {
                return new VcpuExit(VcpuExitReason.Interrupted, RunPage);
            }
            throw new SystemCallException("KVM_RUN", errno, $"vCPU {Id}");
        }
        return new VcpuExit((VcpuExitReason)RunHeader.ExitReason, RunPage);
    }

    public unsafe KvmRegs GetRegs()
    {
        KvmRegs regs;
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.GetRegs, &regs), "KVM_GET_REGS", $"vCPU {Id}");
        return regs;
    }

    public unsafe void SetRegs(in KvmRegs regs)
    {
        fixed (KvmRegs* p = &regs)
        {
            Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.SetRegs, p), "KVM_SET_REGS", $"vCPU {Id}");
        }
    }

    public unsafe KvmSregs GetSregs()
    {
        KvmSregs sregs;
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.GetSregs, &sregs), "KVM_GET_SREGS", $"vCPU {Id}");
        return sregs;
    }

    public unsafe void SetSregs(in KvmSregs sregs)
    {
        fixed (KvmSregs* p = &sregs)
        {
            Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.SetSregs, p), "KVM_SET_SREGS", $"vCPU {Id}");
        }
    }

    public unsafe KvmFpu GetFpu()
    {
        KvmFpu fpu;
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.GetFpu, &fpu), "KVM_GET_FPU", $"vCPU {Id}");
        return fpu;
    }

    public unsafe void SetFpu(in KvmFpu fpu)
    {
        fixed (KvmFpu* p = &fpu)
        {
            Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.SetFpu, p), "KVM_SET_FPU", $"vCPU {Id}");
        }
    }

    public unsafe void SetCpuid(ReadOnlySpan<KvmCpuidEntry2> entries)
    {
        int size = 8 + entries.Length * sizeof(KvmCpuidEntry2);
        byte* buffer = stackalloc byte[size];
        *(ulong*)buffer = (uint)entries.Length;
        entries.CopyTo(new Span<KvmCpuidEntry2>(buffer + 8, entries.Length));
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.SetCpuid2, buffer), "KVM_SET_CPUID2", $"vCPU {Id}");
    }

    /// <summary>KVM_SET_MSRS; returns how many entries KVM accepted (it stops at the first it refuses).</summary>
    public unsafe int SetMsrs(ReadOnlySpan<KvmMsrEntry> entries)
    {
        int size = 8 + entries.Length * sizeof(KvmMsrEntry);
        byte* buffer = stackalloc byte[size];
        *(ulong*)buffer = (uint)entries.Length;
        entries.CopyTo(new Span<KvmMsrEntry>(buffer + 8, entries.Length));
        return Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.SetMsrs, buffer), "KVM_SET_MSRS", $"vCPU {Id}");
    }

    /// <summary>KVM_GET_MSRS for the given indices; entries KVM does not know keep Data = 0.</summary>
    public unsafe KvmMsrEntry[] GetMsrs(ReadOnlySpan<uint> indices)
    {
        int size = 8 + indices.Length * sizeof(KvmMsrEntry);
        byte* buffer = stackalloc byte[size];
        new Span<byte>(buffer, size).Clear();
        *(ulong*)buffer = (uint)indices.Length;
        var entries = new Span<KvmMsrEntry>(buffer + 8, indices.Length);
        for (int i = 0; i < indices.Length; i++)
        {
            entries[i].Index = indices[i];
        }
        int read = Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.GetMsrs, buffer), "KVM_GET_MSRS", $"vCPU {Id}");
        return entries[..read].ToArray();
    }

    /// <summary>KVM_GET_CPUID2: the CPUID table this vCPU was given (as KVM stored it).</summary>
    public unsafe KvmCpuidEntry2[] GetCpuid()
    {
        const int maxEntries = 256;
        int size = 8 + maxEntries * sizeof(KvmCpuidEntry2);
        byte* buffer = stackalloc byte[size];
        new Span<byte>(buffer, size).Clear();
        *(uint*)buffer = maxEntries;
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.GetCpuid2, buffer), "KVM_GET_CPUID2", $"vCPU {Id}");
        uint count = Math.Min(*(uint*)buffer, maxEntries);
        return new ReadOnlySpan<KvmCpuidEntry2>(buffer + 8, (int)count).ToArray();
    }

    /// <summary>KVM_GET_MP_STATE: runnable, halted, or (an application processor) waiting for INIT/SIPI.</summary>
    public unsafe uint GetMpState()
    {
        KvmMpState state;
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.GetMpState, &state), "KVM_GET_MP_STATE", $"vCPU {Id}");
        return state.State;
    }

    public unsafe KvmLapicState GetLapic()
    {
        KvmLapicState state;
        Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.GetLapic, &state), "KVM_GET_LAPIC", $"vCPU {Id}");
        return state;
    }

    public unsafe void SetLapic(in KvmLapicState state)
    {
        fixed (KvmLapicState* p = &state)
        {
            Errno.Check(Libc.Ioctl(_handle.Fd, KvmIoctls.SetLapic, p), "KVM_SET_LAPIC", $"vCPU {Id}");
        }
    }

    public void Dispose()
    {
        _run.Dispose();
        _handle.Dispose();
    }
}
