namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>Register offsets of a virtio-mmio version 2 device (virtio 1.2 §4.2.2, "MMIO Device Register Layout").</summary>
public static class VirtioMmioRegister
{
    public const ulong MagicValue = 0x000;
    public const ulong Version = 0x004;
    public const ulong DeviceId = 0x008;
    public const ulong VendorId = 0x00c;
    public const ulong DeviceFeatures = 0x010;
    public const ulong DeviceFeaturesSel = 0x014;
    public const ulong DriverFeatures = 0x020;
    public const ulong DriverFeaturesSel = 0x024;
    public const ulong QueueSel = 0x030;
    public const ulong QueueNumMax = 0x034;
    public const ulong QueueNum = 0x038;
    public const ulong QueueReady = 0x044;
    public const ulong QueueNotify = 0x050;
    public const ulong InterruptStatus = 0x060;
    public const ulong InterruptAck = 0x064;
    public const ulong Status = 0x070;
    public const ulong QueueDescLow = 0x080;
    public const ulong QueueDescHigh = 0x084;
    public const ulong QueueDriverLow = 0x090;
    public const ulong QueueDriverHigh = 0x094;
    public const ulong QueueDeviceLow = 0x0a0;
    public const ulong QueueDeviceHigh = 0x0a4;
    public const ulong ShmSel = 0x0ac;
    public const ulong ShmLenLow = 0x0b0;
    public const ulong ShmLenHigh = 0x0b4;
    public const ulong ShmBaseLow = 0x0b8;
    public const ulong ShmBaseHigh = 0x0bc;
    public const ulong QueueReset = 0x0c0;
    public const ulong ConfigGeneration = 0x0fc;
    /// <summary>The device-specific configuration space starts here.</summary>
    public const ulong Config = 0x100;

    /// <summary>"virt" in little-endian.</summary>
    public const uint MagicValueExpected = 0x7472_6976;
    public const uint VersionModern = 2;

    /// <summary>InterruptStatus bit 0: used buffer notification.</summary>
    public const uint InterruptUsedBuffer = 1;
    /// <summary>InterruptStatus bit 1: configuration change notification.</summary>
    public const uint InterruptConfigChange = 2;
}
