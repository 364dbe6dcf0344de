using Kata.Hypervisor.Devices.Virtio.Vsock;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Vsock;

/// <summary>A packet the device put in a guest receive buffer, as the guest driver reads it back.</summary>
internal sealed record VsockGuestPacket(VsockHeader Header, byte[] Payload, uint UsedLength)
{
    public override string ToString() => $"{Header} (+{Payload.Length} bytes, used {UsedLength})";
}
