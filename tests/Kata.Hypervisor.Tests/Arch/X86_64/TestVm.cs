using Iced.Intel;
using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Tests.Arch.X86_64;

/// <summary>
/// A real KVM VM for tiny test guests: 64 MiB of RAM laid out as the VMM lays it out, the TSS pages and the in-kernel
/// irqchip (so a HLT never reaches userspace: guests end with an OUT to <see cref="DonePort"/> instead).
/// </summary>
internal sealed class TestVm : IDisposable
{
    /// <summary>Guests report values here (the PC POST-code port; nothing in KVM emulates it).</summary>
    public const ushort ReportPort = 0x80;
    /// <summary>Guests say they are finished here (the isa-debug-exit port test guests use under QEMU).</summary>
    public const ushort DonePort = 0xf4;
    public const ushort SerialPort = 0x3f8;

    public TestVm(ulong memoryBytes = 64UL << 20)
    {
        Kvm = KvmSystem.Open();
        try
        {
            Vm = Kvm.CreateVm();
            Memory = new GuestMemory(Layout.RamRanges(memoryBytes));
            Vm.MapMemory(Memory);
            Vm.SetTssAddress(Layout.KvmTssAddress);
            Vm.CreateIrqchip();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public KvmSystem Kvm { get; }
    public VirtualMachine Vm { get; } = null!;
    public GuestMemory Memory { get; } = null!;

    /// <summary>Assembles <paramref name="assembler"/> for <paramref name="address"/> and copies it there.</summary>
    public void Load(GuestAddress address, Assembler assembler)
    {
        var writer = new ByteCodeWriter();
        assembler.Assemble(writer, address.Value);
        Memory.Write(address, writer.Bytes.ToArray());
    }

    /// <summary>
    /// Runs <paramref name="vcpu"/> until the guest writes <see cref="DonePort"/>, collecting the OUTs before it. Any
    /// other exit, or no end within <paramref name="timeout"/> (a kick from a timer), fails with a register dump.
    /// </summary>
    public static List<PortWrite> RunUntilDone(Vcpu vcpu, TimeSpan? timeout = null)
    {
        var writes = new List<PortWrite>();
        nuint thread = VcpuKicker.RegisterCurrentThread();
        var watchdog = new Timer(_ => VcpuKicker.Kick(vcpu, thread), null, timeout ?? TimeSpan.FromSeconds(20), Timeout.InfiniteTimeSpan);
        try
        {
            for (int exits = 0; exits < 1000; exits++)
            {
                VcpuExit exit = vcpu.Run();
                if (exit.Reason == VcpuExitReason.Io && exit.IsWrite)
                {
                    if (exit.Port == DonePort)
                    {
                        return writes;
                    }
                    ulong value = 0;
                    for (int i = exit.Data.Length - 1; i >= 0; i--)
                    {
                        value = (value << 8) | exit.Data[i];
                    }
                    writes.Add(new PortWrite(exit.Port, exit.Size, value));
                    continue;
                }
                Assert.Fail($"unexpected exit {exit.Reason} after {writes.Count} port writes\n{RegisterDump.Format(vcpu)}");
            }
            Assert.Fail($"the guest did not finish within 1000 exits\n{RegisterDump.Format(vcpu)}");
            return writes;
        }
        finally
        {
            // Wait for a callback in flight: a kick must never reach a vCPU (and its kvm_run page) after disposal.
            using var callbacksDone = new ManualResetEvent(false);
            if (watchdog.Dispose(callbacksDone))
            {
                callbacksDone.WaitOne();
            }
            vcpu.ImmediateExit = false;
        }
    }

    public void Dispose()
    {
        Vm?.Dispose();
        Memory?.Dispose();
        Kvm.Dispose();
    }
}
