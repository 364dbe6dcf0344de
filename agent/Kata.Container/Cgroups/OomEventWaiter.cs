using Kata.Container.Interop;

namespace Kata.Container.Cgroups;

/// <summary>
/// Waits for the OOM kill counter to pass a value, sleeping in poll(2) on a descriptor the kernel signals on memory
/// events (a v1 eventfd registered for memory.oom_control, or a v2 inotify watch on memory.events). The poll has a
/// short timeout so cancellation is noticed; the counter, not the wake-up, decides.
/// </summary>
internal static class OomEventWaiter
{
    private const int PollMilliseconds = 100;

    public static Task<ulong> WaitAsync(FileDescriptor wakeup, Func<ulong> readCount, ulong seenCount, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() =>
        {
            using (wakeup)
            {
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var count = readCount();
                    if (count > seenCount)
                    {
                        return count;
                    }
                    WaitReadable(wakeup);
                }
            }
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static unsafe void WaitReadable(FileDescriptor wakeup)
    {
        var poll = new PollFd { Fd = wakeup.Fd, Events = LinuxConstants.POLLIN };
        var ready = Libc.Poll(&poll, 1, PollMilliseconds);
        if (ready < 0 && Errno.Last != Errno.EINTR)
        {
            throw new SyscallException("poll", Errno.Last, "OOM event descriptor");
        }
        if (ready > 0 && (poll.ReturnedEvents & LinuxConstants.POLLIN) != 0)
        {
            // Drain the eventfd counter or the inotify events so the next poll sleeps again.
            var buffer = stackalloc byte[4096];
            Libc.Read(wakeup.Fd, buffer, 4096);
        }
    }
}
