using Iced.Intel;
using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Rng;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using Kata.Hypervisor.Vmm;
using Kata.Vmm;
using static Iced.Intel.AssemblerRegisters;

namespace Kata.Hypervisor.Tests.Devices.Virtio;

/// <summary>
/// <c>--rng</c> end to end in the product <see cref="MicroVm"/>: the slot's window, IRQ and command-line argument, and
/// a tiny guest that is its own virtio driver: it initializes the device through MMIO exits, notifies through the
/// ioeventfd, and waits for the used ring; the event loop and the vCPU threads are the VMM's.
/// </summary>
public sealed class VirtioRngMicroVmTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);
    private const ulong Descriptors = 0x3_0000;
    private const ulong AvailRing = 0x3_0100;
    private const ulong UsedRing = 0x3_0200;
    private const ulong Buffer = 0x3_1000;
    private const uint BufferLength = 256;

    [Fact]
    public async Task GuestDriver_InitializesTheDevice_AndGetsRandomBytes()
    {
        var boot = new RecordingGuestBoot(EmitGuestDriver);
        using MicroVm vm = Build(boot, rng: true);

        Assert.Equal(VmConfig.DefaultCmdline + " virtio_mmio.device=4K@0xd0001000:5", boot.Cmdline);
        VirtioMmioTransport transport = Assert.Single(vm.VirtioDevices.Transports);
        Assert.IsType<VirtioRng>(transport.Device);

        vm.Start();
        VmExitStatus status = await vm.Exited.WaitAsync(ExitTimeout, TestContext.Current.CancellationToken);

        Assert.Equal(VmExitKind.GuestShutdown, status.Kind);
        Assert.Equal(1, vm.Memory.Read<ushort>(new GuestAddress(UsedRing + 2)));
        Assert.Equal(0u, vm.Memory.Read<uint>(new GuestAddress(UsedRing + 4)));
        Assert.Equal(BufferLength, vm.Memory.Read<uint>(new GuestAddress(UsedRing + 8)));
        byte[] bytes = new byte[BufferLength];
        vm.Memory.Read(new GuestAddress(Buffer), bytes);
        Assert.True(bytes.Distinct().Count() > 64, "the buffer should hold random bytes");
        Assert.Equal(VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver | VirtioDeviceStatus.FeaturesOk | VirtioDeviceStatus.DriverOk,
            transport.Status);
        Assert.Equal(1, transport.Counters[VirtioMmioCounter.Activations]);
        Assert.Equal(1, transport.Counters[VirtioMmioCounter.QueueNotifications]);
        Assert.Equal(1, transport.Counters[VirtioMmioCounter.InterruptsRaised]);
        Assert.Equal(0, transport.Counters[VirtioMmioCounter.InvalidRegisterAccesses]);
    }

    [Fact]
    public void WithoutRng_NoDeviceAndNoArgument()
    {
        var boot = new RecordingGuestBoot(TinyGuestPrograms.EmitSpin);
        using MicroVm vm = Build(boot, rng: false);

        Assert.Equal(VmConfig.DefaultCmdline, boot.Cmdline);
        Assert.Empty(vm.VirtioDevices.Transports);
        Assert.True(vm.VirtioDevices.EventLoop.IsRunning);
    }

    [Fact]
    public void Slots_TakeConsecutiveWindowsAndIrqs_UpToTheLastDeviceIrq()
    {
        using MicroVm vm = Build(new RecordingGuestBoot(TinyGuestPrograms.EmitSpin), rng: true);
        VirtioDeviceSlots slots = vm.VirtioDevices;

        while (slots.Transports.Count < VirtioDeviceSlots.Capacity)
        {
            slots.Attach(new VirtioRng(Serilog.Core.Logger.None));
        }

        Assert.Equal(19, VirtioDeviceSlots.Capacity);
        Assert.Equal("virtio_mmio.device=4K@0xd0002000:6", slots.CmdlineArguments[1]);
        Assert.Equal($"virtio_mmio.device=4K@0x{Layout.VirtioMmioStart.Value + 18 * 0x1000:x}:{Layout.LastDeviceIrq}", slots.CmdlineArguments[^1]);
        Assert.Same(slots.Transports[3], vm.MmioBus.Find(Layout.VirtioMmioStart.Value + 3 * 0x1000 + 0x70)?.Device);
        var tooMany = Assert.Throws<VmConfigException>(() => slots.Attach(new VirtioRng(Serilog.Core.Logger.None)));
        Assert.Contains("at most 19", tooMany.Message, StringComparison.Ordinal);
        Assert.Equal(VirtioDeviceSlots.Capacity * 1, vm.VirtioDevices.EventLoop.RegistrationCount);
    }

    [Fact]
    public void CommandLine_RngFlag_AndJsonProperty()
    {
        string dir = Directory.CreateTempSubdirectory("kvirtio-cli-").FullName;
        try
        {
            string kernel = Path.Combine(dir, "vmlinux");
            File.WriteAllText(kernel, "not a kernel");
            string json = Path.Combine(dir, "vmm.json");
            File.WriteAllText(json, """{ "kernel": "vmlinux", "rng": true }""");

            Assert.False(VmmCommandLine.Parse(["--kernel", kernel]).Settings!.Config.Rng);
            Assert.True(VmmCommandLine.Parse(["--kernel", kernel, "--rng"]).Settings!.Config.Rng);
            Assert.True(VmmCommandLine.Parse(["--config", json]).Settings!.Config.Rng);
            Assert.False(VmmCommandLine.Parse(["--config", json, "--rng", "false"]).Settings!.Config.Rng);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// The guest as its own driver (virtio 1.2 §3.1.1, §4.2.3.2): reset, ACKNOWLEDGE, DRIVER, VIRTIO_F_VERSION_1 only,
    /// FEATURES_OK, queue 0 of 16 entries, DRIVER_OK; one device-writable buffer; notify; wait for used idx; reset the
    /// machine through the i8042.
    /// </summary>
    private static void EmitGuestDriver(Assembler a)
    {
        a.mov(rbx, Layout.VirtioMmioStart.Value);
        void Write(ulong register, uint value) => a.mov(__dword_ptr[rbx + (int)register], value);
        Write(VirtioMmioRegister.Status, 0);
        Write(VirtioMmioRegister.Status, 1);
        Write(VirtioMmioRegister.Status, 3);
        Write(VirtioMmioRegister.DriverFeaturesSel, 1);
        Write(VirtioMmioRegister.DriverFeatures, 1); // bit 32
        Write(VirtioMmioRegister.DriverFeaturesSel, 0);
        Write(VirtioMmioRegister.DriverFeatures, 0);
        Write(VirtioMmioRegister.Status, 11);
        Write(VirtioMmioRegister.QueueSel, 0);
        Write(VirtioMmioRegister.QueueNum, 16);
        Write(VirtioMmioRegister.QueueDescLow, (uint)Descriptors);
        Write(VirtioMmioRegister.QueueDescHigh, 0);
        Write(VirtioMmioRegister.QueueDriverLow, (uint)AvailRing);
        Write(VirtioMmioRegister.QueueDriverHigh, 0);
        Write(VirtioMmioRegister.QueueDeviceLow, (uint)UsedRing);
        Write(VirtioMmioRegister.QueueDeviceHigh, 0);
        Write(VirtioMmioRegister.QueueReady, 1);
        Write(VirtioMmioRegister.Status, 15);
        // Descriptor 0: the buffer, device-writable.
        a.mov(rdi, Descriptors);
        a.mov(rax, Buffer);
        a.mov(__qword_ptr[rdi], rax);
        a.mov(__dword_ptr[rdi + 8], BufferLength);
        a.mov(__word_ptr[rdi + 12], (ushort)VirtqDescriptorFlags.Write);
        // avail.ring[0] = 0, then avail.idx = 1 (x86 keeps the two stores in order).
        a.mov(rdi, AvailRing);
        a.mov(__word_ptr[rdi + 4], 0);
        a.mov(__word_ptr[rdi + 2], 1);
        Write(VirtioMmioRegister.QueueNotify, 0);
        var poll = a.CreateLabel();
        a.mov(rsi, UsedRing);
        a.Label(ref poll);
        a.pause();
        a.movzx(eax, __word_ptr[rsi + 2]);
        a.test(eax, eax);
        a.jz(poll);
        TinyGuestPrograms.EmitI8042Reset(a);
    }

    private static MicroVm Build(IGuestBoot boot, bool rng)
    {
        KvmRequirement.EnsureAvailable();
        var config = new VmConfig
        {
            // MicroVm.Build skips Validate and the test boot ignores the kernel; any existing file will do.
            KernelPath = typeof(VirtioRngMicroVmTests).Assembly.Location,
            MemoryMib = 32,
            Serial = SerialOutput.None,
            Rng = rng,
        };
        return MicroVm.Build(config, TestLogSink.CreateLogger(out _), boot);
    }
}
