using Kata.Hypervisor.Interop;

namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>Readiness of a file descriptor on the <see cref="VirtioEventLoop"/> (the epoll event bits, epoll_ctl(2)).</summary>
[Flags]
public enum PollEvents : uint
{
    None = 0,
    /// <summary>EPOLLIN: readable (an eventfd was signalled, data or a connection arrived).</summary>
    Readable = Epoll.EPOLLIN,
    /// <summary>EPOLLOUT: writable.</summary>
    Writable = Epoll.EPOLLOUT,
    /// <summary>EPOLLERR: an error condition (always reported).</summary>
    Error = Epoll.EPOLLERR,
    /// <summary>EPOLLHUP: hang-up (always reported).</summary>
    HangUp = Epoll.EPOLLHUP,
    /// <summary>EPOLLRDHUP: the peer shut down its writing half.</summary>
    ReadHangUp = Epoll.EPOLLRDHUP,
    /// <summary>EPOLLET: report edges instead of levels (interest flag only).</summary>
    EdgeTriggered = Epoll.EPOLLET,
}
