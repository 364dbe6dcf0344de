namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>The device status field (virtio 1.2 §2.1): the driver's progress, and the device's error report.</summary>
[Flags]
public enum VirtioDeviceStatus : byte
{
    /// <summary>Reset: written by the driver to reset the device, read after a reset.</summary>
    Reset = 0,
    /// <summary>ACKNOWLEDGE: the guest found the device.</summary>
    Acknowledge = 1,
    /// <summary>DRIVER: the guest knows how to drive it.</summary>
    Driver = 2,
    /// <summary>DRIVER_OK: the driver is set up and ready to drive the device.</summary>
    DriverOk = 4,
    /// <summary>FEATURES_OK: feature negotiation is complete (set only if the device accepts the features).</summary>
    FeaturesOk = 8,
    /// <summary>DEVICE_NEEDS_RESET: the device hit an error it cannot recover from without a reset.</summary>
    DeviceNeedsReset = 0x40,
    /// <summary>FAILED: the driver gave up on the device.</summary>
    Failed = 0x80,
}
