using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Vsock;
using Kata.Hypervisor.Tests.Infrastructure;
using Kata.Hypervisor.Vmm;
using Kata.Vmm;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Vsock;

/// <summary><c>--vsock-cid/--vsock-uds</c> in the product <see cref="MicroVm"/> (real /dev/kvm): the slot, its command-line argument, the listening socket.</summary>
public sealed class VsockMicroVmTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsk-vm-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void VsockConfig_AttachesTheDevice_DeclaresIt_AndListens()
    {
        string uds = Path.Combine(_directory, "v.sock");
        var boot = new RecordingGuestBoot(TinyGuestPrograms.EmitSpin);
        using (MicroVm vm = Build(boot, uds))
        {
            Assert.Equal(VmConfig.DefaultCmdline + " virtio_mmio.device=4K@0xd0001000:5", boot.Cmdline);
            VirtioMmioTransport transport = Assert.Single(vm.VirtioDevices.Transports);
            VirtioVsock device = Assert.IsType<VirtioVsock>(transport.Device);
            Assert.Equal(5UL, device.GuestCid);
            Assert.True(File.Exists(uds));

            using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream,
                System.Net.Sockets.ProtocolType.Unspecified);
            client.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(uds));
            client.Send("CONNECT 1024\n"u8);
            VsockTestBed.WaitUntil(() => device.ConnectionCount == 1, "the muxer on the VMM's event loop to take the CONNECT line");
        }
        Assert.False(File.Exists(uds), "the VMM removes its socket when it ends");
    }

    [Fact]
    public void ExistingSocketPath_IsAConfigurationError()
    {
        string uds = Path.Combine(_directory, "v.sock");
        File.WriteAllText(uds, "");

        var e = Assert.Throws<VmConfigException>(() => Build(new RecordingGuestBoot(TinyGuestPrograms.EmitSpin), uds).Dispose());

        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
    }

    private static MicroVm Build(IGuestBoot boot, string uds)
    {
        KvmRequirement.EnsureAvailable();
        var config = new VmConfig
        {
            KernelPath = typeof(VsockMicroVmTests).Assembly.Location,
            MemoryMib = 32,
            Serial = SerialOutput.None,
            VsockCid = 5,
            VsockUdsPath = uds,
        };
        return MicroVm.Build(config, TestLogSink.CreateLogger(out _), boot);
    }
}
