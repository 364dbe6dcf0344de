using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>
/// A file descriptor watched by a <see cref="VirtioEventLoop"/> and the handler it calls. While registered, the
/// descriptor's <see cref="SafeHandle"/> is kept open (a reference is held), so its number cannot be reused under the
/// loop. Dispose to unregister; never blocks.
/// </summary>
public sealed class VirtioEventRegistration : IDisposable
{
    private readonly VirtioEventLoop _loop;

    internal VirtioEventRegistration(VirtioEventLoop loop, ulong token, SafeHandle handle, PollEvents interest, Action<PollEvents> handler)
    {
        _loop = loop;
        Token = token;
        Handle = handle;
        Interest = interest;
        Handler = handler;
    }

    /// <summary>The events asked for (see <see cref="Modify"/>).</summary>
    public PollEvents Interest { get; internal set; }

    internal ulong Token { get; }
    internal SafeHandle Handle { get; }
    internal Action<PollEvents> Handler { get; }

    /// <summary>Changes the events asked for (e.g. adds <see cref="PollEvents.Writable"/> while output is queued).</summary>
    public void Modify(PollEvents interest) => _loop.Modify(this, interest);

    /// <summary>Stops watching: no handler call starts after this returns (one already running on the loop thread finishes).</summary>
    public void Dispose() => _loop.Remove(this);
}
