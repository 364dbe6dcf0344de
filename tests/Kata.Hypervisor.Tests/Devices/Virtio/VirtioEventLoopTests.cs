using System.Collections.Concurrent;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Devices.Virtio;

/// <summary>The one epoll thread that serves every device descriptor. Every wait is bounded.</summary>
public sealed class VirtioEventLoopTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public void SignalledEventFd_CallsItsHandler_OnTheLoopThread()
    {
        using var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        using var eventFd = new EventFd();
        var calls = new BlockingCollection<(PollEvents Events, bool OnLoop, ulong Value)>();
        using VirtioEventRegistration registration = loop.Add(eventFd.Handle, PollEvents.Readable,
            events => calls.Add((events, loop.IsLoopThread, eventFd.Consume())));

        eventFd.Signal(3);

        Assert.True(calls.TryTake(out var call, Wait), "the handler was not called");
        Assert.Equal(PollEvents.Readable, call.Events);
        Assert.True(call.OnLoop);
        Assert.Equal(3UL, call.Value);
        Assert.False(loop.IsLoopThread);
        Assert.Equal(1, loop.RegistrationCount);
    }

    [Fact]
    public void ManyDescriptors_AddedAndRemovedFromOtherThreads_WhileTheLoopRuns()
    {
        using var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        const int count = 50;
        var eventFds = Enumerable.Range(0, count).Select(_ => new EventFd()).ToArray();
        var seen = new ConcurrentDictionary<int, int>();
        using var allSeen = new CountdownEvent(count);
        var registrations = new VirtioEventRegistration[count];
        Parallel.For(0, count, i =>
        {
            registrations[i] = loop.Add(eventFds[i].Handle, PollEvents.Readable, _ =>
            {
                eventFds[i].Consume();
                if (seen.AddOrUpdate(i, 1, (_, n) => n + 1) == 1)
                {
                    allSeen.Signal();
                }
            });
        });
        Parallel.For(0, count, i => eventFds[i].Signal());

        Assert.True(allSeen.Wait(Wait, TestContext.Current.CancellationToken), $"only {seen.Count} of {count} handlers ran");
        Parallel.For(0, count, i => registrations[i].Dispose());
        Assert.Equal(0, loop.RegistrationCount);
        foreach (EventFd eventFd in eventFds)
        {
            eventFd.Dispose();
        }
    }

    [Fact]
    public void RemovedDescriptor_IsNotDispatchedAnyMore_AndItsHandleIsHeldOnlyWhileRegistered()
    {
        using var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        var eventFd = new EventFd();
        int calls = 0;
        VirtioEventRegistration registration = loop.Add(eventFd.Handle, PollEvents.Readable, _ =>
        {
            eventFd.Consume();
            Interlocked.Increment(ref calls);
        });
        eventFd.Dispose(); // the registration still holds the descriptor open

        Assert.False(eventFd.Handle.IsClosed);
        registration.Dispose();
        registration.Dispose(); // idempotent
        Assert.True(eventFd.Handle.IsClosed);
        Assert.Equal(0, loop.RegistrationCount);
        Assert.True(loop.Post(() => { }));
        Assert.Equal(0, calls);
    }

    [Fact]
    public void HandlerThatThrows_IsCounted_AndTheLoopGoesOn()
    {
        using var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out TestLogSink log));
        using var bad = new EventFd();
        using var good = new EventFd();
        var goodCalls = new SemaphoreSlim(0);
        using VirtioEventRegistration badRegistration = loop.Add(bad.Handle, PollEvents.Readable, _ =>
        {
            bad.Consume();
            throw new InvalidOperationException("handler bug");
        });
        using VirtioEventRegistration goodRegistration = loop.Add(good.Handle, PollEvents.Readable, _ =>
        {
            good.Consume();
            goodCalls.Release();
        });

        bad.Signal();
        bad.Signal();
        good.Signal();

        Assert.True(goodCalls.Wait(Wait, TestContext.Current.CancellationToken));
        Assert.True(SpinWait.SpinUntil(() => loop.HandlerFailures >= 1, Wait));
        Assert.Contains(log.Messages, m => m.Contains("handler bug", StringComparison.Ordinal));
        Assert.True(loop.IsRunning);
    }

    [Fact]
    public void Post_RunsOnTheLoopThread_InOrder()
    {
        using var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        var order = new BlockingCollection<(int, bool)>();

        for (int i = 0; i < 100; i++)
        {
            int n = i;
            Assert.True(loop.Post(() => order.Add((n, loop.IsLoopThread))));
        }

        for (int i = 0; i < 100; i++)
        {
            Assert.True(order.TryTake(out var item, Wait));
            Assert.Equal((i, true), item);
        }
    }

    [Fact]
    public void ModifiedInterest_TakesEffect()
    {
        using var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        using var eventFd = new EventFd();
        var calls = new BlockingCollection<PollEvents>();
        using VirtioEventRegistration registration = loop.Add(eventFd.Handle, PollEvents.None, events =>
        {
            calls.Add(events);
            eventFd.Consume();
        });
        // An eventfd is always writable; with no interest nothing is reported.
        Assert.True(loop.Post(() => calls.Add(PollEvents.None)));
        Assert.True(calls.TryTake(out PollEvents first, Wait));
        Assert.Equal(PollEvents.None, first);

        registration.Modify(PollEvents.Writable | PollEvents.EdgeTriggered);

        Assert.True(calls.TryTake(out PollEvents second, Wait));
        Assert.Equal(PollEvents.Writable, second);
        Assert.Equal(PollEvents.Writable | PollEvents.EdgeTriggered, registration.Interest);
    }

    [Fact]
    public void Dispose_StopsTheThread_IsIdempotent_AndRefusesNewWork()
    {
        var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        var eventFd = new EventFd();
        loop.Add(eventFd.Handle, PollEvents.Readable, _ => eventFd.Consume());

        loop.Dispose();
        loop.Dispose();

        Assert.False(loop.IsRunning);
        Assert.False(loop.Post(() => { }));
        Assert.Throws<ObjectDisposedException>(() => loop.Add(eventFd.Handle, PollEvents.Readable, _ => { }));
        eventFd.Dispose();
        Assert.True(eventFd.Handle.IsClosed); // the loop released its reference when it stopped
    }

    [Fact]
    public void Dispose_FromInsideAHandler_StopsTheLoop()
    {
        var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        using var done = new ManualResetEventSlim();
        Assert.True(loop.Post(() =>
        {
            loop.Dispose();
            done.Set();
        }));

        Assert.True(done.Wait(Wait, TestContext.Current.CancellationToken));
        Assert.True(SpinWait.SpinUntil(() => !loop.IsRunning, Wait));
        Assert.False(loop.Post(() => { }));
    }
}
