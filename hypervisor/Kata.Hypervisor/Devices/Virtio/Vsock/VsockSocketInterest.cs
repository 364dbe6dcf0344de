namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>What the muxer wants to hear about a socket, and what a poller reports as ready.</summary>
[Flags]
public enum VsockSocketInterest
{
    /// <summary>Not watched at all (not even for hang-ups: a level-triggered poller would spin on them).</summary>
    None = 0,
    Readable = 1,
    Writable = 2,
}
