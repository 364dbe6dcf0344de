using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text.Json;
using Kata.Hypervisor.Api;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Block;
using Kata.Hypervisor.Devices.Virtio.Vsock;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Devices.Virtio;
using Kata.Hypervisor.Tests.Devices.Virtio.Block;
using Kata.Hypervisor.Tests.Infrastructure;
using Kata.Hypervisor.Vmm;
using Serilog.Core;

namespace Kata.Hypervisor.Tests.Api;

/// <summary>
/// The virtio devices' counters in the control API's <c>metrics</c> reply: a product <see cref="MicroVm"/> (real
/// /dev/kvm) with a read-only disk, virtio-rng and vsock, driven through its MMIO transports as a guest would (queue
/// notifications go through the ioeventfds to the VMM's event loop), then read back over the API socket.
/// </summary>
public sealed class DeviceMetricsApiTests : IDisposable
{
    private const ulong Area = 0x100_0000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TempSocketDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task Metrics_CarryEachDevicesCounters_AfterTheGuestUsedThem()
    {
        KvmRequirement.EnsureAvailable();
        using var image = new TempImage(sectors: 16);
        var config = new VmConfig
        {
            KernelPath = typeof(DeviceMetricsApiTests).Assembly.Location,
            MemoryMib = 32,
            Serial = SerialOutput.None,
            Rng = true,
            BlockDevices = [new BlockDeviceConfig { Path = image.ImagePath, ReadOnly = true }],
            VsockCid = 3,
            VsockUdsPath = Path.Combine(_dir.Path, "v.sock"),
        };
        using MicroVm vm = MicroVm.Build(config, TestLogSink.CreateLogger(out _), new RecordingGuestBoot(TinyGuestPrograms.EmitSpin));
        IReadOnlyList<VirtioMmioTransport> transports = vm.VirtioDevices.Transports;

        // virtio-blk: two 512-byte reads, a write the read-only disk refuses, and a chain whose descriptor points outside RAM.
        var blk = new VirtioGuestDriver(transports[0], vm.Memory);
        VirtioGuestQueue blkQueue = blk.Start(16, new GuestAddress(Area));
        Assert.Equal(VirtioBlockStatus.Ok, BlockRequest(vm, blk, blkQueue, VirtioBlockRequestType.In, sector: 0));
        Assert.Equal(VirtioBlockStatus.Ok, BlockRequest(vm, blk, blkQueue, VirtioBlockRequestType.In, sector: 15));
        Assert.Equal(VirtioBlockStatus.IoError, BlockRequest(vm, blk, blkQueue, VirtioBlockRequestType.Out, sector: 1));
        Complete(blk, blkQueue, () => blkQueue.Offer((0xffff_0000_0000, 16, false), (Area + 0x9000, 1, true)));

        // virtio-rng: one 64-byte request.
        var rng = new VirtioGuestDriver(transports[1], vm.Memory);
        VirtioGuestQueue rngQueue = rng.Start(16, new GuestAddress(Area + 0x2_0000));
        Complete(rng, rngQueue, () => rngQueue.Offer((Area + 0x2_8000, 64, true)));

        // vsock: a data packet for a connection that does not exist; the device answers RST into a receive buffer.
        var vsock = new VirtioGuestDriver(transports[2], vm.Memory);
        Assert.True(vsock.Negotiate());
        VirtioGuestQueue rx = vsock.SetUpQueue(VirtioVsock.RxQueue, 16, new GuestAddress(Area + 0x4_0000));
        VirtioGuestQueue tx = vsock.SetUpQueue(VirtioVsock.TxQueue, 16, new GuestAddress(Area + 0x5_0000));
        vsock.SetUpQueue(VirtioVsock.EventQueue, 16, new GuestAddress(Area + 0x6_0000));
        vsock.DriverOk();
        rx.Offer((Area + 0x7_0000, 4096, true));
        vsock.Notify(VirtioVsock.RxQueue);
        byte[] packet = new byte[VsockHeader.Size + 5];
        new VsockHeader(3, VsockCid.Host, 40_000, 5000, 5, (ushort)VsockSocketType.Stream, (ushort)VsockOp.Rw, 0, 65536, 0).Write(packet);
        vm.Memory.Write(new GuestAddress(Area + 0x7_8000), packet);
        Complete(vsock, tx, () => tx.Offer((Area + 0x7_8000, (uint)packet.Length, false)));
        Assert.True(SpinWait.SpinUntil(() => rx.ReadUsedIndex() == 1, Patience), "the RST never reached the receive queue");
        Assert.Equal(VsockOp.Rst, (VsockOp)vm.Memory.Read<ushort>(new GuestAddress(Area + 0x7_0000 + 30)));

        await using var server = new ControlApiServer(Path.Combine(_dir.Path, "api.sock"), vm, Logger.None);
        server.Start();
        await using ControlApiClient client = await ControlApiClient.ConnectAsync(server.SocketPath, TestContext.Current.CancellationToken);
        VmMetrics metrics = await client.GetMetricsAsync(TestContext.Current.CancellationToken);

        Assert.Equal([VirtioDeviceType.Block, VirtioDeviceType.Entropy, VirtioDeviceType.Vsock], metrics.VirtioDevices.Select(d => d.Device));
        Assert.Equal([0, 1, 2], metrics.VirtioDevices.Select(d => d.Slot));
        Assert.Equal([0xd000_1000UL, 0xd000_2000UL, 0xd000_3000UL], metrics.VirtioDevices.Select(d => d.MmioBase));
        Assert.Equal([5u, 6u, 7u], metrics.VirtioDevices.Select(d => d.Irq));

        VirtioDeviceMetrics disk = metrics.VirtioDevices[0];
        Assert.Equal(4, disk.Notifications);
        Assert.Equal(3, disk.RequestsCompleted);
        Assert.Equal(1024, disk.BytesRead);
        Assert.Equal(0, disk.BytesWritten);
        Assert.Equal(1, disk.InvalidChains);
        Assert.Equal(1, disk.Errors);
        Assert.Null(disk.ResetsSent);
        Assert.Equal(2, disk.DeviceCounters[nameof(VirtioBlockCounter.Reads)]);
        Assert.Equal(1, disk.DeviceCounters[nameof(VirtioBlockCounter.ReadOnlyViolations)]);
        Assert.Equal(1, disk.TransportCounters[nameof(VirtioMmioCounter.Activations)]);
        Assert.InRange(disk.Interrupts, 1, 4);

        VirtioDeviceMetrics entropy = metrics.VirtioDevices[1];
        Assert.Equal((1L, 1L, 64L, 0L, 0L), (entropy.Notifications, entropy.RequestsCompleted, entropy.BytesRead, entropy.InvalidChains, entropy.Errors));
        Assert.Equal(64, entropy.DeviceCounters["BytesProvided"]);

        VirtioDeviceMetrics socket = metrics.VirtioDevices[2];
        Assert.Equal(2, socket.Notifications);
        Assert.Equal(2, socket.RequestsCompleted); // the guest's packet and the RST
        Assert.Equal(0, socket.BytesWritten);       // nothing reached a host socket
        Assert.Equal(1, socket.Errors);
        Assert.Equal(1, socket.ResetsSent);
        Assert.Equal(1, socket.DeviceCounters[nameof(VsockCounter.UnknownConnectionPackets)]);

        // The wire format: camelCase names, the device type as a string, the vsock-only field left out elsewhere.
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(server.SocketPath);
        JsonElement devices = (await raw.RequestAsync("{\"id\":1,\"command\":\"metrics\"}")).GetProperty("result").GetProperty("virtioDevices");
        Assert.Equal(3, devices.GetArrayLength());
        Assert.Equal("block", devices[0].GetProperty("device").GetString());
        Assert.Equal(1024, devices[0].GetProperty("bytesRead").GetInt64());
        Assert.False(devices[0].TryGetProperty("resetsSent", out _));
        Assert.Equal("vsock", devices[2].GetProperty("device").GetString());
        Assert.Equal(1, devices[2].GetProperty("resetsSent").GetInt64());
        Assert.Equal(1, devices[2].GetProperty("deviceCounters").GetProperty("UnknownConnectionPackets").GetInt64());
    }

    /// <summary>One request with a 512-byte data buffer; returns its status.</summary>
    private static VirtioBlockStatus BlockRequest(MicroVm vm, VirtioGuestDriver driver, VirtioGuestQueue queue, VirtioBlockRequestType type, ulong sector)
    {
        ulong header = Area + 0x8000, data = Area + 0x8100, status = Area + 0x8400;
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)type);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], sector);
        vm.Memory.Write(new GuestAddress(header), bytes);
        vm.Memory.Write(new GuestAddress(status), (byte)0xee);
        Complete(driver, queue, () => queue.Offer((header, 16, false), (data, 512, type == VirtioBlockRequestType.In), (status, 1, true)));
        return (VirtioBlockStatus)vm.Memory.Read<byte>(new GuestAddress(status));
    }

    /// <summary>Offers a chain, notifies queue <see cref="VirtioGuestQueue.Index"/>, and waits for the event loop to return it.</summary>
    private static void Complete(VirtioGuestDriver driver, VirtioGuestQueue queue, Action offer)
    {
        ushort before = queue.ReadUsedIndex();
        offer();
        driver.Notify(queue.Index);
        Assert.True(SpinWait.SpinUntil(() => queue.ReadUsedIndex() != before, Patience), $"queue {queue.Index}: the event loop never returned the chain");
        queue.TakeUsed();
    }
}
