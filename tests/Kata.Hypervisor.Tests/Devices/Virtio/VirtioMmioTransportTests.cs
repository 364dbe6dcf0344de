using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Devices.Virtio;

/// <summary>The virtio-mmio version 2 register file and status state machine (virtio 1.2 §4.2.2, §2.1, §3.1.1).</summary>
public sealed class VirtioMmioTransportTests
{
    private const ulong DeviceBit5 = 1UL << 5;
    private const ulong DeviceBit50 = 1UL << 50;

    [Fact]
    public void IdentificationRegisters_ReadAsVersion2()
    {
        using var bed = new VirtioTestBed(new RecordingVirtioDevice { DeviceType = VirtioDeviceType.Entropy });

        Assert.Equal(0x7472_6976u, bed.Driver.Read(VirtioMmioRegister.MagicValue));
        Assert.Equal(2u, bed.Driver.Read(VirtioMmioRegister.Version));
        Assert.Equal(4u, bed.Driver.Read(VirtioMmioRegister.DeviceId));
        Assert.Equal(VirtioMmioTransport.VendorId, bed.Driver.Read(VirtioMmioRegister.VendorId));
        Assert.Equal(0u, bed.Driver.Read(VirtioMmioRegister.Status));
        Assert.Equal(16u, bed.Driver.Read(VirtioMmioRegister.QueueNumMax));
        Assert.Equal(0u, bed.Driver.Read(VirtioMmioRegister.QueueReady));
        // No shared memory regions (length and base -1), no queue reset.
        Assert.Equal(uint.MaxValue, bed.Driver.Read(VirtioMmioRegister.ShmLenLow));
        Assert.Equal(uint.MaxValue, bed.Driver.Read(VirtioMmioRegister.ShmBaseHigh));
        Assert.Equal(0u, bed.Driver.Read(VirtioMmioRegister.QueueReset));
    }

    [Fact]
    public void DeviceFeatures_BothHalves_IncludeVersion1_AndNeverTransportUnsupportedBits()
    {
        ulong ringPacked = 1UL << VirtioFeatures.RingPackedBit;
        using var bed = new VirtioTestBed(new RecordingVirtioDevice(DeviceBit5 | DeviceBit50 | VirtioFeatures.EventIndex | ringPacked));

        bed.Driver.Write(VirtioMmioRegister.DeviceFeaturesSel, 0);
        uint low = bed.Driver.Read(VirtioMmioRegister.DeviceFeatures);
        bed.Driver.Write(VirtioMmioRegister.DeviceFeaturesSel, 1);
        uint high = bed.Driver.Read(VirtioMmioRegister.DeviceFeatures);
        bed.Driver.Write(VirtioMmioRegister.DeviceFeaturesSel, 2);
        uint beyond = bed.Driver.Read(VirtioMmioRegister.DeviceFeatures);

        Assert.Equal((uint)(DeviceBit5 | VirtioFeatures.EventIndex), low);
        Assert.Equal((uint)((DeviceBit50 | VirtioFeatures.Version1) >> 32), high);
        Assert.Equal(0u, beyond);
    }

    [Fact]
    public void FeatureNegotiation_DriverWritesBothHalves_FeaturesOkIsKept()
    {
        var device = new RecordingVirtioDevice(DeviceBit5 | DeviceBit50);
        using var bed = new VirtioTestBed(device);
        ulong accepted = DeviceBit50 | VirtioFeatures.Version1;

        Assert.True(bed.Driver.Negotiate(accepted));

        Assert.Equal(VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver | VirtioDeviceStatus.FeaturesOk, bed.Driver.Status);
        Assert.Equal(accepted, bed.Transport.DriverFeatures);
        bed.Driver.SetUpQueue(0, 16, VirtioTestBed.QueueArea);
        bed.Driver.DriverOk();
        Assert.Equal(accepted, device.Context!.NegotiatedFeatures);
        Assert.True(device.Context.HasFeature(50));
        Assert.False(device.Context.HasFeature(5));
    }

    [Fact]
    public void FeaturesOk_IsRefused_WhenTheDriverAcceptsAFeatureNotOffered()
    {
        using var bed = new VirtioTestBed(new RecordingVirtioDevice(DeviceBit5));

        bool kept = bed.Driver.Negotiate(DeviceBit5 | (1UL << 6) | VirtioFeatures.Version1);

        Assert.False(kept);
        Assert.Equal(VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver, bed.Driver.Status);
        Assert.Equal(1, bed.Count(VirtioMmioCounter.RefusedFeatureNegotiations));
        Assert.Contains(bed.Log.Messages, m => m.Contains("FEATURES_OK refused", StringComparison.Ordinal));
        // Linux then sets FAILED, which is accepted; nothing else is until a reset.
        bed.Driver.AddStatus(VirtioDeviceStatus.Failed);
        Assert.Equal(VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver | VirtioDeviceStatus.Failed, bed.Driver.Status);
        bed.Driver.AddStatus(VirtioDeviceStatus.FeaturesOk);
        Assert.Equal(VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver | VirtioDeviceStatus.Failed, bed.Driver.Status);
        Assert.True(bed.Driver.Negotiate(DeviceBit5 | VirtioFeatures.Version1));
    }

    [Fact]
    public void FeaturesOk_IsRefused_WithoutVersion1()
    {
        using var bed = new VirtioTestBed(new RecordingVirtioDevice(DeviceBit5));

        Assert.False(bed.Driver.Negotiate(DeviceBit5));
        Assert.Equal(1, bed.Count(VirtioMmioCounter.RefusedFeatureNegotiations));
    }

    [Fact]
    public void DriverFeatures_WrittenOutsideTheNegotiationWindow_AreIgnored()
    {
        using var bed = new VirtioTestBed(new RecordingVirtioDevice(DeviceBit5));
        bed.Driver.WriteDriverFeatures(VirtioFeatures.Version1); // status 0: too early
        Assert.Equal(0UL, bed.Transport.DriverFeatures);

        Assert.True(bed.Driver.Negotiate(VirtioFeatures.Version1));
        bed.Driver.WriteDriverFeatures(VirtioFeatures.Version1 | DeviceBit5); // after FEATURES_OK: too late
        bed.Driver.Write(VirtioMmioRegister.DriverFeaturesSel, 7);
        bed.Driver.Write(VirtioMmioRegister.DriverFeatures, 1);

        Assert.Equal(VirtioFeatures.Version1, bed.Transport.DriverFeatures);
        Assert.True(bed.Count(VirtioMmioCounter.IgnoredRegisterWrites) >= 4);
    }

    [Theory]
    [InlineData(new byte[] { 2 })] // DRIVER without ACKNOWLEDGE
    [InlineData(new byte[] { 4 })] // DRIVER_OK from reset
    [InlineData(new byte[] { 1, 9 })] // FEATURES_OK without DRIVER
    [InlineData(new byte[] { 1, 3, 7 })] // DRIVER_OK before FEATURES_OK
    [InlineData(new byte[] { 1, 3, 11, 3 })] // taking FEATURES_OK back
    [InlineData(new byte[] { 1, 3, 11, 15, 11 })] // taking DRIVER_OK back
    [InlineData(new byte[] { 1, 0x41 })] // the driver setting DEVICE_NEEDS_RESET
    public void InvalidStatusTransition_IsRefused_AndTheStatusKept(byte[] writes)
    {
        using var bed = new VirtioTestBed(new RecordingVirtioDevice());
        bed.Driver.WriteDriverFeatures(VirtioFeatures.Version1);
        for (int i = 0; i < writes.Length - 1; i++)
        {
            bed.Driver.WriteStatus((VirtioDeviceStatus)writes[i]);
            if (writes[i] == 3)
            {
                bed.Driver.WriteDriverFeatures(VirtioFeatures.Version1);
            }
        }
        VirtioDeviceStatus before = bed.Driver.Status;

        bed.Driver.WriteStatus((VirtioDeviceStatus)writes[^1]);

        Assert.Equal(before, bed.Driver.Status);
        Assert.Equal(1, bed.Count(VirtioMmioCounter.InvalidStatusTransitions));
        Assert.Contains(bed.Log.Messages, m => m.Contains("status transition", StringComparison.Ordinal));
    }

    [Fact]
    public void FullInitialization_Activates_AndWritingTheSameStatusAgainChangesNothing()
    {
        var device = new RecordingVirtioDevice();
        using var bed = new VirtioTestBed(device);

        bed.Driver.Start(16, VirtioTestBed.QueueArea);
        bed.Driver.WriteStatus(bed.Driver.Status);

        Assert.True(bed.Transport.IsActivated);
        Assert.Equal(1, device.Activations);
        Assert.Equal((VirtioDeviceStatus)0x0f, bed.Driver.Status);
        Assert.Equal(0, bed.Count(VirtioMmioCounter.InvalidStatusTransitions));
        Assert.Equal(1, bed.Count(VirtioMmioCounter.Activations));
    }

    [Fact]
    public void Reset_ClearsStatusInterruptsAndQueues_AndResetsTheDevice()
    {
        var device = new RecordingVirtioDevice();
        using var bed = new VirtioTestBed(device);
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);
        queue.Offer((VirtioTestBed.DataArea.Value, 64, true));
        bed.Driver.Notify(0);
        Assert.Equal(1u, bed.Driver.InterruptStatus);

        bed.Driver.WriteStatus(VirtioDeviceStatus.Reset);

        Assert.Equal(VirtioDeviceStatus.Reset, bed.Driver.Status);
        Assert.Equal(0u, bed.Driver.InterruptStatus);
        Assert.Equal(0u, bed.Driver.Read(VirtioMmioRegister.QueueReady));
        Assert.False(bed.Transport.Queues[0].IsReady);
        Assert.False(bed.Transport.IsActivated);
        Assert.Equal(1, device.Resets);
        Assert.Null(device.Context);
        Assert.Equal(0UL, bed.Transport.DriverFeatures);
        // A notification after the reset reaches nobody.
        bed.Driver.Notify(0);
        Assert.Single(device.ProcessCalls);
        Assert.Equal(1, bed.Count(VirtioMmioCounter.IgnoredQueueNotifications));
        // And the device comes back after a new initialization.
        VirtioGuestQueue again = bed.Driver.Start(8, VirtioTestBed.QueueArea);
        again.Offer((VirtioTestBed.DataArea.Value, 32, true));
        bed.Driver.Notify(0);
        Assert.Equal([(0u, 32u)], again.TakeUsed());
    }

    [Fact]
    public void ConfigGeneration_AndConfigSpace_8_16_32BitAccesses()
    {
        var device = new RecordingVirtioDevice(configSize: 8) { ConfigGeneration = 41 };
        using var bed = new VirtioTestBed(device);
        Span<byte> one = stackalloc byte[1];
        Span<byte> two = stackalloc byte[2];
        Span<byte> four = stackalloc byte[4];

        Assert.Equal(41u, bed.Driver.Read(VirtioMmioRegister.ConfigGeneration));
        device.ConfigGeneration = 42;
        Assert.Equal(42u, bed.Driver.Read(VirtioMmioRegister.ConfigGeneration));

        bed.Transport.Read(VirtioMmioRegister.Config + 3, one);
        bed.Transport.Read(VirtioMmioRegister.Config + 2, two);
        bed.Transport.Read(VirtioMmioRegister.Config + 4, four);
        Assert.Equal(0x13, one[0]);
        Assert.Equal([0x12, 0x13], two.ToArray());
        Assert.Equal([0x14, 0x15, 0x16, 0x17], four.ToArray());
        bed.Transport.Read(VirtioMmioRegister.Config + 0x40, four);
        Assert.Equal([0, 0, 0, 0], four.ToArray());

        bed.Transport.Write(VirtioMmioRegister.Config + 2, [0xaa, 0xbb]);
        (ulong offset, byte[] written) = Assert.Single(device.ConfigWrites);
        Assert.Equal(2UL, offset);
        Assert.Equal([0xaa, 0xbb], written);
    }

    [Fact]
    public void ConfigSpace_UnalignedOr64BitAccesses_AreRefused()
    {
        var device = new RecordingVirtioDevice(configSize: 16);
        using var bed = new VirtioTestBed(device);
        byte[] two = [0xff, 0xff];
        byte[] eight = new byte[8];
        Array.Fill(eight, (byte)0xff);

        bed.Transport.Read(VirtioMmioRegister.Config + 1, two);
        bed.Transport.Read(VirtioMmioRegister.Config, eight);
        bed.Transport.Write(VirtioMmioRegister.Config + 3, [1, 2, 3, 4]);

        Assert.Equal([0, 0], two);
        Assert.All(eight, b => Assert.Equal(0, b));
        Assert.Empty(device.ConfigWrites);
        Assert.Equal(3, bed.Count(VirtioMmioCounter.InvalidRegisterAccesses));
    }

    [Theory]
    [InlineData(0x00UL, 2)]
    [InlineData(0x01UL, 4)]
    [InlineData(0x02UL, 4)]
    [InlineData(0x70UL, 1)]
    [InlineData(0x70UL, 8)]
    public void RegisterAccesses_ThatAreNotAligned32Bit_ReadZero_AndWritesAreDropped(ulong offset, int width)
    {
        var device = new RecordingVirtioDevice();
        using var bed = new VirtioTestBed(device);
        byte[] data = new byte[width];
        Array.Fill(data, (byte)0xff);

        bed.Transport.Read(offset, data);
        Assert.All(data, b => Assert.Equal(0, b));
        bed.Transport.Write(VirtioMmioRegister.Status & ~3UL, new byte[width].Select(_ => (byte)1).ToArray());

        Assert.Equal(VirtioDeviceStatus.Reset, bed.Driver.Status);
        Assert.True(bed.Count(VirtioMmioCounter.InvalidRegisterAccesses) >= 1);
    }

    [Fact]
    public void ReadsOfWriteOnlyRegisters_AndWritesToReadOnlyOnes_AreCountedAndHarmless()
    {
        using var bed = new VirtioTestBed(new RecordingVirtioDevice());

        Assert.Equal(0u, bed.Driver.Read(VirtioMmioRegister.QueueNotify));
        Assert.Equal(0u, bed.Driver.Read(VirtioMmioRegister.QueueDescLow));
        Assert.Equal(0u, bed.Driver.Read(0x0e8));
        bed.Driver.Write(VirtioMmioRegister.MagicValue, 0);
        bed.Driver.Write(VirtioMmioRegister.InterruptStatus, 3);
        bed.Driver.Write(0x0e8, 3);

        Assert.Equal(0x7472_6976u, bed.Driver.Read(VirtioMmioRegister.MagicValue));
        Assert.Equal(6, bed.Count(VirtioMmioCounter.InvalidRegisterAccesses));
    }

    [Theory]
    [InlineData(0u, 0x1000UL, 0x2000UL, 0x3000UL, VirtQueueSetupError.SizeZero)]
    [InlineData(12u, 0x1000UL, 0x2000UL, 0x3000UL, VirtQueueSetupError.SizeNotPowerOfTwo)]
    [InlineData(32u, 0x1000UL, 0x2000UL, 0x3000UL, VirtQueueSetupError.SizeAboveMaximum)]
    [InlineData(0x10000u, 0x1000UL, 0x2000UL, 0x3000UL, VirtQueueSetupError.SizeAboveMaximum)]
    [InlineData(16u, 0x1008UL, 0x2000UL, 0x3000UL, VirtQueueSetupError.DescriptorTableMisaligned)]
    [InlineData(16u, 0x1000UL, 0x2001UL, 0x3000UL, VirtQueueSetupError.AvailRingMisaligned)]
    [InlineData(16u, 0x1000UL, 0x2000UL, 0x3002UL, VirtQueueSetupError.UsedRingMisaligned)]
    [InlineData(16u, 0xfff10UL, 0x2000UL, 0x3000UL, VirtQueueSetupError.DescriptorTableOutsideGuestMemory)]
    [InlineData(16u, 0x1000UL, 0xfffe0UL, 0x3000UL, VirtQueueSetupError.AvailRingOutsideGuestMemory)]
    [InlineData(16u, 0x1000UL, 0x2000UL, 0xfff80UL, VirtQueueSetupError.UsedRingOutsideGuestMemory)]
    [InlineData(16u, 0x1_0000_1000UL, 0x2000UL, 0x3000UL, VirtQueueSetupError.DescriptorTableOutsideGuestMemory)]
    [InlineData(16u, 0x1000UL, 0x2000UL, 0xffff_ffff_ffff_fff0UL, VirtQueueSetupError.UsedRingOutsideGuestMemory)]
    public void QueueReady_WithAnInvalidLayout_IsRefused(uint size, ulong descriptors, ulong driverArea, ulong deviceArea, VirtQueueSetupError expected)
    {
        var device = new RecordingVirtioDevice();
        using var bed = new VirtioTestBed(device);
        Assert.True(bed.Driver.Negotiate());
        bed.Driver.Write(VirtioMmioRegister.QueueSel, 0);
        bed.Driver.WriteQueueLayout(size, new GuestAddress(descriptors), new GuestAddress(driverArea), new GuestAddress(deviceArea));

        bed.Driver.Write(VirtioMmioRegister.QueueReady, 1);

        Assert.Equal(0u, bed.Driver.Read(VirtioMmioRegister.QueueReady));
        Assert.Equal(1, bed.Count(VirtioMmioCounter.RefusedQueueSetups));
        Assert.Contains(bed.Log.Messages, m => m.Contains(expected.ToString(), StringComparison.Ordinal));
        // The device still activates; the refused queue is not ready and notifications for it are dropped.
        bed.Driver.DriverOk();
        Assert.False(device.Context!.Queues[0].IsReady);
        bed.Driver.Notify(0);
        Assert.Empty(device.ProcessCalls);
    }

    [Fact]
    public void QueueSetUp_BeforeFeaturesOk_AfterDriverOk_WhileReady_OrForAMissingQueue_IsIgnored()
    {
        using var bed = new VirtioTestBed(new RecordingVirtioDevice(queueSizes: [16]));
        bed.Driver.Write(VirtioMmioRegister.QueueNum, 8); // before FEATURES_OK
        Assert.True(bed.Driver.Negotiate());
        VirtioGuestQueue queue = bed.Driver.SetUpQueue(0, 16, VirtioTestBed.QueueArea);
        bed.Driver.Write(VirtioMmioRegister.QueueDescLow, 0x8000); // while ready
        bed.Driver.Write(VirtioMmioRegister.QueueSel, 3);
        Assert.Equal(0u, bed.Driver.Read(VirtioMmioRegister.QueueNumMax)); // no queue 3
        bed.Driver.Write(VirtioMmioRegister.QueueNum, 8); // missing queue
        bed.Driver.Write(VirtioMmioRegister.QueueReady, 1);
        bed.Driver.Write(VirtioMmioRegister.QueueSel, 0);
        bed.Driver.DriverOk();
        bed.Driver.Write(VirtioMmioRegister.QueueReady, 0);
        bed.Driver.Write(VirtioMmioRegister.QueueNum, 4); // after DRIVER_OK

        Assert.Equal(queue.DescriptorTable, bed.Transport.Queues[0].DescriptorTable);
        Assert.Equal(16, bed.Transport.Queues[0].Size);
        Assert.True(bed.Count(VirtioMmioCounter.IgnoredRegisterWrites) >= 5);
    }

    [Fact]
    public void QueueReady0_WhileActive_StopsTheDeviceUsingTheQueue()
    {
        var device = new RecordingVirtioDevice();
        using var bed = new VirtioTestBed(device);
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);

        bed.Driver.Write(VirtioMmioRegister.QueueReady, 0);
        queue.Offer((VirtioTestBed.DataArea.Value, 16, true));
        bed.Driver.Notify(0);

        Assert.Equal(0u, bed.Driver.Read(VirtioMmioRegister.QueueReady));
        Assert.Empty(queue.TakeUsed());
        Assert.Empty(device.ProcessCalls);
    }

    [Fact]
    public void UsedBufferInterrupt_RaisesAnEdgeWhenTheBitIsNew_AndAckClearsIt()
    {
        using var bed = new VirtioTestBed(new RecordingVirtioDevice());
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);

        queue.Offer((VirtioTestBed.DataArea.Value, 8, true));
        bed.Driver.Notify(0);
        Assert.Equal(1u, bed.Driver.InterruptStatus);
        Assert.Equal(1, bed.Interrupt.Triggers);

        // Not acknowledged yet: the bit is still set, the driver will look at the ring after it acknowledges.
        queue.Offer((VirtioTestBed.DataArea.Value, 8, true));
        bed.Driver.Notify(0);
        Assert.Equal(1, bed.Interrupt.Triggers);

        Assert.Equal(1u, bed.Driver.AcknowledgeInterrupt());
        Assert.Equal(0u, bed.Driver.InterruptStatus);
        Assert.Equal(2, queue.TakeUsed().Count);

        queue.Offer((VirtioTestBed.DataArea.Value, 8, true));
        bed.Driver.Notify(0);
        Assert.Equal(2, bed.Interrupt.Triggers);
        Assert.Equal(2, bed.Count(VirtioMmioCounter.InterruptsRaised));
    }

    [Fact]
    public void QueueNotify_ForAQueueThatDoesNotExist_IsIgnored()
    {
        var device = new RecordingVirtioDevice();
        using var bed = new VirtioTestBed(device);
        bed.Driver.Start(16, VirtioTestBed.QueueArea);

        bed.Driver.Notify(1);
        bed.Driver.Write(VirtioMmioRegister.QueueNotify, uint.MaxValue);

        Assert.Empty(device.ProcessCalls);
        Assert.Equal(2, bed.Count(VirtioMmioCounter.IgnoredQueueNotifications));
    }

    [Fact]
    public void DeviceThatThrowsWhileProcessing_EntersNeedsReset_WithAConfigInterrupt_UntilReset()
    {
        var device = new RecordingVirtioDevice();
        device.OnProcessQueue = (_, _) => throw new InvalidOperationException("device bug");
        using var bed = new VirtioTestBed(device);
        bed.Driver.Start(16, VirtioTestBed.QueueArea);

        bed.Driver.Notify(0);

        Assert.Equal((VirtioDeviceStatus)0x4f, bed.Driver.Status);
        Assert.Equal(VirtioMmioRegister.InterruptConfigChange, bed.Driver.InterruptStatus);
        Assert.Equal(1, bed.Interrupt.Triggers);
        Assert.Equal(1, bed.Count(VirtioMmioCounter.NeedsResets));
        Assert.Equal(1, bed.Count(VirtioMmioCounter.DeviceFailures));
        // Further notifications are not handed to a device that needs a reset.
        bed.Driver.Notify(0);
        Assert.Single(device.ProcessCalls);
        // The driver may only add FAILED or reset.
        bed.Driver.WriteStatus((VirtioDeviceStatus)0x4f);
        bed.Driver.AddStatus(VirtioDeviceStatus.Failed);
        Assert.Equal((VirtioDeviceStatus)0xcf, bed.Driver.Status);
        bed.Driver.WriteStatus(VirtioDeviceStatus.Reset);
        Assert.Equal(VirtioDeviceStatus.Reset, bed.Driver.Status);
        Assert.Equal(1, device.Resets);
    }

    [Fact]
    public void ActivationFailure_SetsNeedsReset()
    {
        var device = new RecordingVirtioDevice { ThrowOnActivate = new IOException("cannot bind the socket") };
        using var bed = new VirtioTestBed(device);

        bed.Driver.Start(16, VirtioTestBed.QueueArea);

        Assert.Equal((VirtioDeviceStatus)0x4f, bed.Driver.Status);
        Assert.False(bed.Transport.IsActivated);
        Assert.Equal(VirtioMmioRegister.InterruptConfigChange, bed.Driver.InterruptStatus);
        Assert.Contains(bed.Log.Messages, m => m.Contains("cannot bind the socket", StringComparison.Ordinal));
        // The half-activated device is reset with the transport, so it can release what it opened.
        bed.Driver.WriteStatus(VirtioDeviceStatus.Reset);
        Assert.Equal(1, device.Resets);
        bed.Driver.WriteStatus(VirtioDeviceStatus.Reset);
        Assert.Equal(1, device.Resets);
    }

    [Fact]
    public void AvailIndexJumpingPastTheQueueSize_IsADeviceErrorNeedingReset()
    {
        var device = new RecordingVirtioDevice();
        using var bed = new VirtioTestBed(device);
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);

        queue.PublishAvailIndex(17);
        bed.Driver.Notify(0);

        Assert.Equal(VirtQueueFault.AvailIndexJump, bed.Transport.Queues[0].Fault);
        Assert.Equal((VirtioDeviceStatus)0x4f, bed.Driver.Status);
        Assert.Equal(0, queue.ReadUsedIndex());
        // Reset and start again: the queue works.
        VirtioGuestQueue again = bed.Driver.Start(16, VirtioTestBed.QueueArea);
        again.Offer((VirtioTestBed.DataArea.Value, 4, true));
        bed.Driver.Notify(0);
        Assert.Equal([(0u, 4u)], again.TakeUsed());
    }

    [Fact]
    public void SeveralQueues_AreSetUpAndNotifiedIndependently()
    {
        var device = new RecordingVirtioDevice(queueSizes: [16, 64, 8]);
        using var bed = new VirtioTestBed(device);
        Assert.True(bed.Driver.Negotiate());
        var queues = new List<VirtioGuestQueue>();
        GuestAddress at = VirtioTestBed.QueueArea;
        foreach ((int index, ushort size) in new[] { (0, (ushort)16), (1, (ushort)64), (2, (ushort)8) })
        {
            bed.Driver.Write(VirtioMmioRegister.QueueSel, (uint)index);
            Assert.Equal(size, (ushort)bed.Driver.Read(VirtioMmioRegister.QueueNumMax));
            queues.Add(bed.Driver.SetUpQueue(index, size, at));
            at = new GuestAddress((at.Value + VirtioGuestQueue.Footprint(size) + 0xfff) & ~0xfffUL);
        }
        bed.Driver.DriverOk();

        queues[2].Offer((VirtioTestBed.DataArea.Value, 3, true));
        bed.Driver.Notify(2);
        queues[1].Offer((VirtioTestBed.DataArea.Value, 5, true));
        bed.Driver.Notify(1);

        Assert.Equal([2, 1], device.ProcessCalls.Select(c => c.Queue));
        Assert.Equal([(0u, 3u)], queues[2].TakeUsed());
        Assert.Equal([(0u, 5u)], queues[1].TakeUsed());
        Assert.Empty(queues[0].TakeUsed());
    }

    [Fact]
    public void BuffersOfferedBeforeDriverOk_AreProcessedAtActivation()
    {
        var device = new RecordingVirtioDevice();
        using var bed = new VirtioTestBed(device);
        Assert.True(bed.Driver.Negotiate());
        VirtioGuestQueue queue = bed.Driver.SetUpQueue(0, 16, VirtioTestBed.QueueArea);
        queue.Offer((VirtioTestBed.DataArea.Value, 9, true));
        bed.Driver.Notify(0); // before DRIVER_OK: dropped

        bed.Driver.DriverOk();

        Assert.Equal([(0u, 9u)], queue.TakeUsed());
    }

    [Fact]
    public void KernelCmdlineArgument_NamesSizeAddressAndIrq()
    {
        Assert.Equal("virtio_mmio.device=4K@0xd0001000:5", VirtioMmioTransport.KernelCmdlineArgument(new GuestAddress(0xd000_1000), 5));
        Assert.Equal("virtio_mmio.device=1M@0xd0100000:23", VirtioMmioTransport.KernelCmdlineArgument(new GuestAddress(0xd010_0000), 23, 1UL << 20));
        Assert.Equal("virtio_mmio.device=512@0x1000:7", VirtioMmioTransport.KernelCmdlineArgument(new GuestAddress(0x1000), 7, 512));
    }

    [Fact]
    public void AfterDispose_RegistersAreInert()
    {
        var device = new RecordingVirtioDevice();
        var bed = new VirtioTestBed(device);
        bed.Driver.Start(16, VirtioTestBed.QueueArea);

        bed.Transport.Dispose();
        bed.Driver.Notify(0);
        bed.Driver.WriteStatus(VirtioDeviceStatus.Acknowledge);

        Assert.Equal(1, device.Resets);
        Assert.Empty(device.ProcessCalls);
        bed.Dispose();
    }
}
