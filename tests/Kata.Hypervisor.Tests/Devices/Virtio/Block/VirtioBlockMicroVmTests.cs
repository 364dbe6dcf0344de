using System.Buffers.Binary;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Block;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Block;

/// <summary>
/// Several disks in the product <see cref="MicroVm"/>: one slot each (window, IRQ, <c>virtio_mmio.device=</c>
/// argument) in the order given, and each served by the VMM's event loop: the test drives the transports' registers
/// as the guest would (a QueueNotify write signals the queue's eventfd; the loop thread serves the request).
/// </summary>
public sealed class VirtioBlockMicroVmTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const ulong Area = 0x100_0000; // 16 MiB: well above the tiny guest, which never runs here

    [Fact]
    public void ThreeDisks_GetThreeSlots_InOrder_AndEachServesItsOwnImage()
    {
        KvmRequirement.EnsureAvailable();
        using var first = new TempImage(sectors: 16);
        using var second = new TempImage(sectors: 32);
        using var third = new TempImage(sectors: 8);
        var boot = new RecordingGuestBoot(TinyGuestPrograms.EmitSpin);
        var config = new VmConfig
        {
            KernelPath = typeof(VirtioBlockMicroVmTests).Assembly.Location,
            MemoryMib = 32,
            Serial = SerialOutput.None,
            Rng = true,
            BlockDevices =
            [
                new BlockDeviceConfig { Path = first.ImagePath },
                new BlockDeviceConfig { Path = second.ImagePath, ReadOnly = true },
                new BlockDeviceConfig { Path = third.ImagePath },
            ],
        };
        using MicroVm vm = MicroVm.Build(config, TestLogSink.CreateLogger(out _), boot);

        // The disks come first (/dev/vda, vdb, vdc), then the other devices.
        Assert.Equal(VmConfig.DefaultCmdline
            + " virtio_mmio.device=4K@0xd0001000:5 virtio_mmio.device=4K@0xd0002000:6 virtio_mmio.device=4K@0xd0003000:7"
            + " virtio_mmio.device=4K@0xd0004000:8", boot.Cmdline);
        VirtioBlock[] disks = [.. vm.VirtioDevices.Transports.Take(3).Select(t => Assert.IsType<VirtioBlock>(t.Device))];
        Assert.Equal([first.ImagePath, second.ImagePath, third.ImagePath], disks.Select(d => d.ImagePath));
        Assert.Equal([16ul, 32ul, 8ul], disks.Select(d => d.CapacitySectors));
        Assert.Equal([false, true, false], disks.Select(d => d.IsReadOnly));

        byte[] forFirst = Enumerable.Repeat((byte)0x11, 512).ToArray();
        byte[] forThird = Enumerable.Repeat((byte)0x33, 512).ToArray();
        var drivers = new List<(VirtioGuestDriver Driver, VirtioGuestQueue Queue)>();
        for (int i = 0; i < 3; i++)
        {
            var driver = new VirtioGuestDriver(vm.VirtioDevices.Transports[i], vm.Memory);
            drivers.Add((driver, driver.Start(16, new GuestAddress(Area + (ulong)i * 0x1_0000))));
        }

        Assert.Equal(VirtioBlockStatus.Ok, Request(vm, drivers[0], slot: 0, VirtioBlockRequestType.Out, sector: 15, forFirst));
        Assert.Equal(VirtioBlockStatus.IoError, Request(vm, drivers[1], slot: 1, VirtioBlockRequestType.Out, sector: 0, forThird));
        Assert.Equal(VirtioBlockStatus.Ok, Request(vm, drivers[2], slot: 2, VirtioBlockRequestType.Out, sector: 7, forThird));
        byte[] read = new byte[512];
        Assert.Equal(VirtioBlockStatus.Ok, Request(vm, drivers[1], slot: 1, VirtioBlockRequestType.In, sector: 31, read));

        Assert.Equal([.. first.Original.AsSpan(0, 15 * 512), .. forFirst], first.Contents());
        Assert.Equal(second.Original, second.Contents());
        Assert.Equal([.. third.Original.AsSpan(0, 7 * 512), .. forThird], third.Contents());
        Assert.Equal(second.Original.AsSpan(31 * 512).ToArray(), read);
        Assert.All(vm.VirtioDevices.Transports.Take(3), t => Assert.Equal(0, t.Counters[VirtioMmioCounter.DeviceFailures]));
    }

    [Fact]
    public void AMissingImage_FailsTheBuild_WithTheBlockSetting()
    {
        KvmRequirement.EnsureAvailable();
        using var image = new TempImage(sectors: 1);
        string missing = Path.Combine(image.Directory, "gone.img");
        var config = new VmConfig
        {
            KernelPath = typeof(VirtioBlockMicroVmTests).Assembly.Location,
            MemoryMib = 32,
            Serial = SerialOutput.None,
            BlockDevices = [new BlockDeviceConfig { Path = image.ImagePath }, new BlockDeviceConfig { Path = missing }],
        };

        var error = Assert.Throws<VmConfigException>(() => MicroVm.Build(config, TestLogSink.CreateLogger(out _), new RecordingGuestBoot(TinyGuestPrograms.EmitSpin)));
        Assert.Equal($"block: {missing} does not exist", error.Message);
        Assert.Equal($"block: {missing} does not exist", Assert.Throws<VmConfigException>(config.Validate).Message);
    }

    /// <summary>One request through slot <paramref name="slot"/>: header, one 512-byte data buffer, status; waits for the used ring.</summary>
    private static VirtioBlockStatus Request(MicroVm vm, (VirtioGuestDriver Driver, VirtioGuestQueue Queue) disk, int slot,
        VirtioBlockRequestType type, ulong sector, byte[] data)
    {
        ulong header = Area + 0x8000 + (ulong)slot * 0x1_0000;
        ulong buffer = header + 0x1000;
        ulong status = header + 0x2000;
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)type);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], sector);
        vm.Memory.Write(new GuestAddress(header), bytes);
        vm.Memory.Write(new GuestAddress(buffer), data);
        vm.Memory.Write(new GuestAddress(status), (byte)0xee);
        ushort before = disk.Queue.ReadUsedIndex();

        disk.Queue.Offer((header, 16, false), (buffer, 512, type == VirtioBlockRequestType.In), (status, 1, true));
        disk.Driver.Notify(0);

        Assert.True(SpinWait.SpinUntil(() => disk.Queue.ReadUsedIndex() != before, Patience), "the event loop never completed the request");
        disk.Queue.TakeUsed();
        vm.Memory.Read(new GuestAddress(buffer), data);
        return (VirtioBlockStatus)vm.Memory.Read<byte>(new GuestAddress(status));
    }
}
