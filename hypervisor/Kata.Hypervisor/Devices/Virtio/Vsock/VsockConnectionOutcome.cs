namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>What the muxer must do with a connection after handing it a packet or an event.</summary>
internal enum VsockConnectionOutcome
{
    /// <summary>The connection goes on.</summary>
    Keep,
    /// <summary>Over without a word to the guest (the guest sent RST): close the host socket.</summary>
    Close,
    /// <summary>Over by agreement (both sides shut down, data drained): RST to the guest, close the host socket.</summary>
    CloseWithRst,
    /// <summary>Over because of an error (a protocol violation, a host socket failure, a timeout): RST, close, count it.</summary>
    Kill,
}
