using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>The register file (virtio 1.2 §4.2.2) and the configuration space.</summary>
public sealed partial class VirtioMmioTransport
{
    private const byte SetupStatus = (byte)(VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver);

    private uint ReadRegister(ulong offset)
    {
        switch (offset)
        {
            case VirtioMmioRegister.MagicValue:
                return VirtioMmioRegister.MagicValueExpected;
            case VirtioMmioRegister.Version:
                return VirtioMmioRegister.VersionModern;
            case VirtioMmioRegister.DeviceId:
                return (uint)_device.DeviceType;
            case VirtioMmioRegister.VendorId:
                return VendorId;
            case VirtioMmioRegister.InterruptStatus:
                return InterruptStatus;
            case VirtioMmioRegister.ShmLenLow:
            case VirtioMmioRegister.ShmLenHigh:
            case VirtioMmioRegister.ShmBaseLow:
            case VirtioMmioRegister.ShmBaseHigh:
                // No shared memory regions: a non-existent region has length and base -1 (§4.2.2).
                return uint.MaxValue;
            case VirtioMmioRegister.QueueReset:
                // VIRTIO_F_RING_RESET is never offered.
                return 0;
        }
        lock (_lock)
        {
            switch (offset)
            {
                case VirtioMmioRegister.DeviceFeatures:
                    return _deviceFeaturesSel switch
                    {
                        0 => (uint)OfferedFeatures,
                        1 => (uint)(OfferedFeatures >> 32),
                        _ => 0,
                    };
                case VirtioMmioRegister.QueueNumMax:
                    // 0 tells the driver the queue does not exist (§4.2.3.2 step 3).
                    return SelectedQueue is { } queue ? queue.MaxSize : 0u;
                case VirtioMmioRegister.QueueReady:
                    return SelectedQueue is { IsReady: true } ? 1u : 0u;
                case VirtioMmioRegister.Status:
                    return _status;
                case VirtioMmioRegister.ConfigGeneration:
                    return _device.ConfigGeneration;
            }
        }
        GuestError(VirtioMmioCounter.InvalidRegisterAccesses, "read of write-only or unknown register offset 0x{Offset:x}", offset);
        return 0;
    }

    private void WriteRegister(ulong offset, uint value)
    {
        switch (offset)
        {
            case VirtioMmioRegister.QueueNotify:
                NotifyFromRegister(value);
                return;
            case VirtioMmioRegister.InterruptAck:
                // Lock-free: the guest's interrupt handler never waits for device work. Undefined bits are ignored.
                Interlocked.And(ref _interruptStatus, ~(int)(value & (VirtioMmioRegister.InterruptUsedBuffer | VirtioMmioRegister.InterruptConfigChange)));
                return;
        }
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            switch (offset)
            {
                case VirtioMmioRegister.DeviceFeaturesSel:
                    _deviceFeaturesSel = value;
                    return;
                case VirtioMmioRegister.DriverFeaturesSel:
                    _driverFeaturesSel = value;
                    return;
                case VirtioMmioRegister.DriverFeatures:
                    WriteDriverFeatures(value);
                    return;
                case VirtioMmioRegister.QueueSel:
                    _queueSel = value;
                    return;
                case VirtioMmioRegister.QueueNum:
                    if (CanSetUpSelectedQueue("QueueNum"))
                    {
                        _queueRegisters[_queueSel].Size = value;
                    }
                    return;
                case VirtioMmioRegister.QueueReady:
                    WriteQueueReady(value);
                    return;
                case VirtioMmioRegister.Status:
                    WriteStatus(value);
                    return;
                case VirtioMmioRegister.QueueDescLow:
                case VirtioMmioRegister.QueueDescHigh:
                case VirtioMmioRegister.QueueDriverLow:
                case VirtioMmioRegister.QueueDriverHigh:
                case VirtioMmioRegister.QueueDeviceLow:
                case VirtioMmioRegister.QueueDeviceHigh:
                    WriteQueueAddress(offset, value);
                    return;
                case VirtioMmioRegister.ShmSel:
                    // Selects a region; none exist.
                    return;
                case VirtioMmioRegister.QueueReset:
                    GuestError(VirtioMmioCounter.IgnoredRegisterWrites, "QueueReset written without VIRTIO_F_RING_RESET");
                    return;
            }
        }
        GuestError(VirtioMmioCounter.InvalidRegisterAccesses, "write of 0x{Value:x} to read-only or unknown register offset 0x{Offset:x}", value, offset);
    }

    private VirtQueue? SelectedQueue => _queueSel < (uint)_queues.Length ? _queues[_queueSel] : null;

    /// <summary>§3.1.1 step 5: the driver writes its features after DRIVER and before FEATURES_OK.</summary>
    private void WriteDriverFeatures(uint value)
    {
        if (_status != SetupStatus)
        {
            GuestError(VirtioMmioCounter.IgnoredRegisterWrites, "DriverFeatures written in status 0x{Status:x} (only between DRIVER and FEATURES_OK)", _status);
            return;
        }
        switch (_driverFeaturesSel)
        {
            case 0:
                _driverFeatures = (_driverFeatures & 0xffff_ffff_0000_0000UL) | value;
                return;
            case 1:
                _driverFeatures = (_driverFeatures & 0xffff_ffffUL) | ((ulong)value << 32);
                return;
            default:
                if (value != 0)
                {
                    GuestError(VirtioMmioCounter.IgnoredRegisterWrites, "DriverFeatures word {Selector} (features past bit 63 do not exist) written with 0x{Value:x}", _driverFeaturesSel, value);
                }
                return;
        }
    }

    /// <summary>
    /// Queue set-up registers are writable after FEATURES_OK and before DRIVER_OK (§3.1.1 step 7, as Linux's probe
    /// does it), for an existing queue that is not ready (§4.2.2.2: not while QueueReady is set).
    /// </summary>
    private bool CanSetUpSelectedQueue(string register)
    {
        const byte required = SetupStatus | (byte)VirtioDeviceStatus.FeaturesOk;
        if (_status != required)
        {
            GuestError(VirtioMmioCounter.IgnoredRegisterWrites, "{Register} written in status 0x{Status:x} (queues are set up between FEATURES_OK and DRIVER_OK)", register, _status);
            return false;
        }
        if (SelectedQueue is not { } queue)
        {
            GuestError(VirtioMmioCounter.IgnoredRegisterWrites, "{Register} written for queue {Queue}, which does not exist", register, _queueSel);
            return false;
        }
        if (queue.IsReady)
        {
            GuestError(VirtioMmioCounter.IgnoredRegisterWrites, "{Register} written for queue {Queue} while it is ready", register, _queueSel);
            return false;
        }
        return true;
    }

    private void WriteQueueAddress(ulong offset, uint value)
    {
        if (!CanSetUpSelectedQueue($"queue address register 0x{offset:x}"))
        {
            return;
        }
        ref VirtioMmioQueueRegisters registers = ref _queueRegisters[_queueSel];
        switch (offset)
        {
            case VirtioMmioRegister.QueueDescLow:
                registers.DescriptorArea = VirtioMmioQueueRegisters.SetLow(registers.DescriptorArea, value);
                break;
            case VirtioMmioRegister.QueueDescHigh:
                registers.DescriptorArea = VirtioMmioQueueRegisters.SetHigh(registers.DescriptorArea, value);
                break;
            case VirtioMmioRegister.QueueDriverLow:
                registers.DriverArea = VirtioMmioQueueRegisters.SetLow(registers.DriverArea, value);
                break;
            case VirtioMmioRegister.QueueDriverHigh:
                registers.DriverArea = VirtioMmioQueueRegisters.SetHigh(registers.DriverArea, value);
                break;
            case VirtioMmioRegister.QueueDeviceLow:
                registers.DeviceArea = VirtioMmioQueueRegisters.SetLow(registers.DeviceArea, value);
                break;
            default:
                registers.DeviceArea = VirtioMmioQueueRegisters.SetHigh(registers.DeviceArea, value);
                break;
        }
    }

    /// <summary>
    /// QueueReady = 1 enables the selected queue if its size and rings are valid (refused, and read back as 0,
    /// otherwise); QueueReady = 0 stops the device using it, at any time (§4.2.2.2): once this write returns, no
    /// processing of the queue is under way, because device work holds the same lock.
    /// </summary>
    private void WriteQueueReady(uint value)
    {
        if (value == 0)
        {
            SelectedQueue?.Disable();
            return;
        }
        if (value != 1)
        {
            GuestError(VirtioMmioCounter.IgnoredRegisterWrites, "QueueReady written with {Value} (only 0 or 1)", value);
            return;
        }
        if (SelectedQueue is { IsReady: true } || !CanSetUpSelectedQueue("QueueReady"))
        {
            return;
        }
        VirtioMmioQueueRegisters registers = _queueRegisters[_queueSel];
        VirtQueueSetupError error = _queues[_queueSel].TryEnable(registers.Size, new GuestAddress(registers.DescriptorArea),
            new GuestAddress(registers.DriverArea), new GuestAddress(registers.DeviceArea));
        if (error != VirtQueueSetupError.None)
        {
            GuestError(VirtioMmioCounter.RefusedQueueSetups,
                "queue {Queue} not enabled: {Error} (size {Size}, descriptors 0x{Descriptors:x}, driver area 0x{Driver:x}, device area 0x{Device:x})",
                _queueSel, error, registers.Size, registers.DescriptorArea, registers.DriverArea, registers.DeviceArea);
        }
    }

    /// <summary>Configuration space (§4.2.2): 8-, 16- and 32-bit accesses, naturally aligned (§4.2.2.2).</summary>
    private void ReadConfig(ulong configOffset, Span<byte> data)
    {
        if (data.Length is not (1 or 2 or 4) || configOffset % (ulong)data.Length != 0)
        {
            data.Clear();
            GuestError(VirtioMmioCounter.InvalidRegisterAccesses, "configuration read of {Width} bytes at 0x{Offset:x} (8/16/32-bit aligned only)", data.Length, configOffset);
            return;
        }
        lock (_lock)
        {
            data.Clear();
            if (_disposed)
            {
                return;
            }
            try
            {
                _device.ReadConfig(configOffset, data);
            }
            catch (Exception e)
            {
                data.Clear();
                DeviceBug(e, "a configuration read");
            }
        }
    }

    private void WriteConfig(ulong configOffset, ReadOnlySpan<byte> data)
    {
        if (data.Length is not (1 or 2 or 4) || configOffset % (ulong)data.Length != 0)
        {
            GuestError(VirtioMmioCounter.InvalidRegisterAccesses, "configuration write of {Width} bytes at 0x{Offset:x} (8/16/32-bit aligned only)", data.Length, configOffset);
            return;
        }
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            try
            {
                _device.WriteConfig(configOffset, data);
            }
            catch (Exception e)
            {
                DeviceBug(e, "a configuration write");
            }
        }
    }
}
