using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;

namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>The device status state machine (virtio 1.2 §2.1, §3.1.1), activation, reset, and queue notifications.</summary>
public sealed partial class VirtioMmioTransport
{
    private const byte Acknowledge = (byte)VirtioDeviceStatus.Acknowledge;
    private const byte FeaturesOkStatus = SetupStatus | (byte)VirtioDeviceStatus.FeaturesOk;
    private const byte DriverOkStatus = FeaturesOkStatus | (byte)VirtioDeviceStatus.DriverOk;
    private const byte Failed = (byte)VirtioDeviceStatus.Failed;
    private const byte NeedsReset = (byte)VirtioDeviceStatus.DeviceNeedsReset;

    /// <summary>
    /// Lock held. Writing 0 resets (§2.4, §4.2.2); FAILED may be added at any time (the driver gave up); otherwise only
    /// the next step of §3.1.1 is accepted: 0 → ACKNOWLEDGE → +DRIVER → +FEATURES_OK (only if the features are
    /// acceptable, §2.2.2) → +DRIVER_OK (activates the device). Anything else is refused and the status kept.
    /// </summary>
    private void WriteStatus(uint value)
    {
        if (value == 0)
        {
            Counters.Increment(VirtioMmioCounter.Resets);
            ResetDevice();
            return;
        }
        byte current = _status;
        if (value > byte.MaxValue || ((value & NeedsReset) != 0 && (current & NeedsReset) == 0))
        {
            InvalidTransition(current, value, "the driver may not set DEVICE_NEEDS_RESET or bits above 7");
            return;
        }
        byte next = (byte)((byte)value | (byte)(current & NeedsReset));
        if (next == current)
        {
            return;
        }
        if ((next & Failed) != 0)
        {
            if ((next & ~Failed & ~current) == 0)
            {
                _status |= Failed;
                _logger.Information("virtio {Device}: the driver set FAILED (status 0x{Status:x})", _device.DeviceType, _status);
                return;
            }
            InvalidTransition(current, value, "FAILED may only be added to the current status");
            return;
        }
        if ((current & (NeedsReset | Failed)) != 0)
        {
            InvalidTransition(current, value, "the device must be reset first");
            return;
        }
        switch (current, next)
        {
            case (0, Acknowledge):
            case (Acknowledge, SetupStatus):
                _status = next;
                return;
            case (SetupStatus, FeaturesOkStatus):
                AcceptFeatures();
                return;
            case (FeaturesOkStatus, DriverOkStatus):
                Activate();
                return;
            default:
                InvalidTransition(current, value, "not the next step of device initialization (§3.1.1)");
                return;
        }
    }

    private void InvalidTransition(byte current, uint value, string why) =>
        GuestError(VirtioMmioCounter.InvalidStatusTransitions, "status transition 0x{From:x} → 0x{To:x} refused: {Why}", current, value, why);

    /// <summary>
    /// §2.2.1: the driver MUST NOT accept a feature the device did not offer; §4.2.3.1 / Linux's virtio_mmio: a
    /// version 2 device requires VIRTIO_F_VERSION_1. Otherwise FEATURES_OK stays clear (§2.2.2, §3.1.1 step 6), which
    /// the driver reads back and gives up.
    /// </summary>
    private void AcceptFeatures()
    {
        ulong unoffered = _driverFeatures & ~OfferedFeatures;
        if (unoffered != 0 || (_driverFeatures & VirtioFeatures.Version1) == 0)
        {
            GuestError(VirtioMmioCounter.RefusedFeatureNegotiations,
                "FEATURES_OK refused: the driver accepted 0x{Accepted:x}; not offered: 0x{Unoffered:x}; VIRTIO_F_VERSION_1 {Version1}",
                _driverFeatures, unoffered, (_driverFeatures & VirtioFeatures.Version1) != 0 ? "accepted" : "missing");
            return;
        }
        _status = FeaturesOkStatus;
    }

    /// <summary>DRIVER_OK (§3.1.1 step 8): the device goes live with the queues the driver enabled.</summary>
    private void Activate()
    {
        foreach (VirtQueue queue in _queues)
        {
            queue.SetNegotiatedFeatures(_driverFeatures);
        }
        var context = new VirtioDeviceContext(_memory, _driverFeatures, _queues, this, _lock, RequestQueueProcessing);
        _status = DriverOkStatus;
        // From here the device gets a Reset, even if Activate throws half-way (it may have opened something).
        _deviceNeedsResetCall = true;
        try
        {
            _device.Activate(context);
        }
        catch (Exception e)
        {
            Counters.Increment(VirtioMmioCounter.DeviceFailures);
            _logger.Error(e, "virtio {Device}: activation failed", _device.DeviceType);
            EnterNeedsReset($"activation failed: {e.Message}");
            return;
        }
        _activated = true;
        Counters.Increment(VirtioMmioCounter.Activations);
        _logger.Information("virtio {Device}: activated with features 0x{Features:x}, queues [{Queues}]", _device.DeviceType, _driverFeatures,
            string.Join(", ", _queues.Select(q => q.IsReady ? $"{q.Index}: {q.Size}" : $"{q.Index}: off")));
        // A notification written before DRIVER_OK was dropped: look at every queue that already has buffers.
        foreach (VirtQueue queue in _queues)
        {
            if (queue.HasAvailable)
            {
                RequestQueueProcessing(queue.Index);
            }
        }
        if (_queueEvents is null)
        {
            RunDeferredKicks();
        }
    }

    /// <summary>Lock held. Device reset (§2.4.1, §4.2.2.1): status, InterruptStatus and every queue back to their initial state.</summary>
    private void ResetDevice()
    {
        _activated = false;
        if (_deviceNeedsResetCall)
        {
            _deviceNeedsResetCall = false;
            try
            {
                _device.Reset();
            }
            catch (Exception e)
            {
                DeviceBug(e, "a device reset");
            }
        }
        _status = 0;
        Volatile.Write(ref _interruptStatus, 0);
        _driverFeatures = 0;
        _deviceFeaturesSel = _driverFeaturesSel = _queueSel = 0;
        for (int i = 0; i < _queues.Length; i++)
        {
            _queues[i].Reset();
            _queueRegisters[i] = VirtioMmioQueueRegisters.Initial(_queues[i].MaxSize);
            _deferredKicks[i] = false;
        }
    }

    /// <summary>
    /// A QueueNotify write that reached userspace (no ioeventfd, or a value no ioeventfd matched). The value is the
    /// queue index (§4.2.3.3; VIRTIO_F_NOTIFICATION_DATA is never offered).
    /// </summary>
    private void NotifyFromRegister(uint value)
    {
        if (value >= (uint)_queues.Length)
        {
            GuestError(VirtioMmioCounter.IgnoredQueueNotifications, "QueueNotify for queue {Queue}, which does not exist", value);
            return;
        }
        lock (_lock)
        {
            if (_queueEvents is not null)
            {
                SignalQueueEvent((int)value);
                return;
            }
            ProcessQueue((int)value);
            RunDeferredKicks();
        }
    }

    /// <summary>On the event loop thread: a queue's eventfd (ioeventfd) became readable.</summary>
    private void OnQueueEvent(EventFd eventFd, int queueIndex)
    {
        eventFd.Consume();
        lock (_lock)
        {
            ProcessQueue(queueIndex);
        }
    }

    /// <summary>Lock held. Hands a notification to the device if it is in a state to take it; turns failures into NEEDS_RESET.</summary>
    private void ProcessQueue(int queueIndex)
    {
        if (_disposed || !_activated || (_status & (NeedsReset | Failed)) != 0 || !_queues[queueIndex].IsReady)
        {
            Counters.Increment(VirtioMmioCounter.IgnoredQueueNotifications);
            return;
        }
        Counters.Increment(VirtioMmioCounter.QueueNotifications);
        try
        {
            _device.ProcessQueue(queueIndex);
        }
        catch (Exception e)
        {
            DeviceBug(e, $"processing queue {queueIndex}");
            EnterNeedsReset($"the device failed while processing queue {queueIndex}: {e.Message}");
            return;
        }
        foreach (VirtQueue queue in _queues)
        {
            if (queue.Fault != VirtQueueFault.None)
            {
                EnterNeedsReset($"queue {queue.Index}: {queue.Fault}");
                return;
            }
        }
    }

    /// <summary>
    /// <see cref="VirtioDeviceContext.RequestQueueProcessing"/>: with an event loop, signals the queue's eventfd (the loop
    /// calls back after serving other descriptors); without one (unit tests), remembers it for
    /// <see cref="RunDeferredKicks"/>, so a device asking from inside ProcessQueue does not recurse.
    /// </summary>
    private void RequestQueueProcessing(int queueIndex)
    {
        if ((uint)queueIndex >= (uint)_queues.Length)
        {
            return;
        }
        lock (_lock)
        {
            if (_queueEvents is not null)
            {
                SignalQueueEvent(queueIndex);
            }
            else
            {
                _deferredKicks[queueIndex] = true;
            }
        }
    }

    /// <summary>Lock held; only without an event loop. Bounded, whatever the device keeps asking for.</summary>
    private void RunDeferredKicks()
    {
        for (int round = 0; round < DeferredKickRounds; round++)
        {
            bool any = false;
            for (int i = 0; i < _deferredKicks.Length; i++)
            {
                if (_deferredKicks[i])
                {
                    _deferredKicks[i] = false;
                    any = true;
                    ProcessQueue(i);
                }
            }
            if (!any)
            {
                return;
            }
        }
    }

    /// <summary>Lock held. Signals a queue's eventfd; a reference keeps its number from being reused if it is being closed.</summary>
    private void SignalQueueEvent(int queueIndex)
    {
        if (_queueEvents is not { } events)
        {
            return;
        }
        EventFd eventFd = events[queueIndex];
        bool referenced = false;
        try
        {
            eventFd.Handle.DangerousAddRef(ref referenced);
            eventFd.Signal();
        }
        catch (Exception e) when (e is ObjectDisposedException or SystemCallException)
        {
            DeviceBug(e, $"signalling queue {queueIndex}");
        }
        finally
        {
            if (referenced)
            {
                eventFd.Handle.DangerousRelease();
            }
        }
    }
}
