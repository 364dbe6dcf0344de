using System.Collections.Concurrent;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Rng;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Devices.Virtio;

/// <summary>
/// The transport with an event loop, without KVM: QueueNotify writes (from "vCPU" test threads) signal the queue's
/// eventfd, and the device's work runs on the loop thread. Every wait is bounded.
/// </summary>
public sealed class VirtioMmioEventLoopTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private const ulong Data = 0x4_0000;

    [Fact]
    public void Notification_IsProcessedOnTheLoopThread()
    {
        using var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        var device = new RecordingVirtioDevice();
        var onLoop = new BlockingCollection<bool>();
        Action<VirtioDeviceContext, int> echo = device.OnProcessQueue;
        device.OnProcessQueue = (context, queue) =>
        {
            onLoop.Add(loop.IsLoopThread);
            echo(context, queue);
        };
        using var bed = new VirtioTestBed(device);
        bed.Transport.AttachToEventLoop(loop, vm: null, new GuestAddress(0xd000_0000));
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);

        queue.Offer((Data, 12, true));
        bed.Driver.Notify(0);

        Assert.True(onLoop.TryTake(out bool wasOnLoop, Wait), "the device was not called");
        Assert.True(wasOnLoop);
        Assert.True(SpinWait.SpinUntil(() => queue.ReadUsedIndex() == 1, Wait));
        Assert.Equal([(0u, 12u)], queue.TakeUsed());
        Assert.True(SpinWait.SpinUntil(() => bed.Interrupt.Triggers == 1, Wait));
    }

    [Fact]
    public void ResetInTheMiddleOfIo_WaitsForTheRequestInProgress_ThenNothingMoreReachesTheDevice()
    {
        using var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        var device = new RecordingVirtioDevice();
        var events = new ConcurrentQueue<string>();
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        device.OnProcessQueue = (context, queueIndex) =>
        {
            VirtQueue queue = context.Queues[queueIndex];
            while (queue.TryPopAvailable(out DescriptorChain? chain))
            {
                events.Enqueue("start");
                entered.Set();
                gate.Wait(Wait);
                chain.WriteWritable([0xab]);
                queue.AddUsed(chain, 1);
                events.Enqueue("completed");
            }
        };
        using var bed = new VirtioTestBed(device);
        bed.Transport.AttachToEventLoop(loop, vm: null, new GuestAddress(0xd000_0000));
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);
        queue.Offer((Data, 1, true));
        bed.Driver.Notify(0);
        Assert.True(entered.Wait(Wait, TestContext.Current.CancellationToken), "the device never started the request");

        var vcpu = new Thread(() =>
        {
            bed.Driver.WriteStatus(VirtioDeviceStatus.Reset);
            events.Enqueue("reset");
        });
        vcpu.Start();
        // The "vCPU" blocks on the transport until the request in progress is done.
        Assert.True(SpinWait.SpinUntil(() => (vcpu.ThreadState & ThreadState.WaitSleepJoin) != 0, Wait));
        queue.Offer((Data + 0x10, 1, true));
        gate.Set();
        Assert.True(vcpu.Join(Wait));

        // The second buffer was popped in the same ProcessQueue call, before the reset got the lock.
        Assert.Equal(["start", "completed", "start", "completed", "reset"], events);
        Assert.Equal(2, queue.ReadUsedIndex());
        Assert.Equal(1, device.Resets);
        Assert.Equal(VirtioDeviceStatus.Reset, bed.Driver.Status);

        int calls = device.ProcessCalls.Count;
        queue.Offer((Data + 0x20, 1, true));
        bed.Driver.Notify(0);
        Assert.True(loop.Post(() => { }));
        Assert.True(SpinWait.SpinUntil(() => bed.Count(VirtioMmioCounter.IgnoredQueueNotifications) == 1, Wait));
        Assert.Equal(calls, device.ProcessCalls.Count);
        Assert.Equal(2, queue.ReadUsedIndex());
    }

    [Fact]
    public void BuffersOfferedBeforeDriverOk_AreProcessedOnTheLoopAfterActivation()
    {
        using var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        var rng = new VirtioRng(TestLogSink.CreateLogger(out _), span => span.Fill(0x42));
        using var bed = new VirtioTestBed(rng);
        bed.Transport.AttachToEventLoop(loop, vm: null, new GuestAddress(0xd000_0000));
        Assert.True(bed.Driver.Negotiate());
        VirtioGuestQueue queue = bed.Driver.SetUpQueue(0, 16, VirtioTestBed.QueueArea);
        queue.Offer((Data, 32, true));

        bed.Driver.DriverOk();

        Assert.True(SpinWait.SpinUntil(() => queue.ReadUsedIndex() == 1, Wait));
        Assert.Equal([(0u, 32u)], queue.TakeUsed());
    }

    [Fact]
    public void DeviceThatBoundsItsWork_IsCalledAgainThroughTheLoop()
    {
        using var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        var device = new RecordingVirtioDevice();
        device.OnProcessQueue = (context, queueIndex) =>
        {
            // One chain per call, then ask to be called again.
            VirtQueue queue = context.Queues[queueIndex];
            if (queue.TryPopAvailable(out DescriptorChain? chain))
            {
                queue.AddUsed(chain, chain.WritableLength);
                context.SignalUsedIfNeeded(queueIndex);
                context.RequestQueueProcessing(queueIndex);
            }
        };
        using var bed = new VirtioTestBed(device);
        bed.Transport.AttachToEventLoop(loop, vm: null, new GuestAddress(0xd000_0000));
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);
        for (int i = 0; i < 10; i++)
        {
            queue.Offer((Data, 1, true));
        }

        bed.Driver.Notify(0);

        Assert.True(SpinWait.SpinUntil(() => queue.ReadUsedIndex() == 10, Wait));
        Assert.True(device.ProcessCalls.Count >= 10);
    }

    [Fact]
    public void ManyVcpuThreads_NotifyingAndAcknowledging_AllRequestsComplete()
    {
        using var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        var rng = new VirtioRng(TestLogSink.CreateLogger(out _), span => span.Fill(0x42));
        using var bed = new VirtioTestBed(rng);
        bed.Transport.AttachToEventLoop(loop, vm: null, new GuestAddress(0xd000_0000));
        VirtioGuestQueue queue = bed.Driver.Start(256, VirtioTestBed.QueueArea);
        for (int i = 0; i < 256; i++)
        {
            queue.Offer((Data + (ulong)i * 16, 16, true));
        }

        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 200; i++)
            {
                bed.Driver.Notify(0);
                bed.Driver.AcknowledgeInterrupt();
                _ = bed.Driver.Read(VirtioMmioRegister.ConfigGeneration);
            }
        });

        Assert.True(SpinWait.SpinUntil(() => queue.ReadUsedIndex() == 256, Wait));
        Assert.Equal(256, queue.TakeUsed().Count);
        Assert.Equal(256, rng.Requests);
        Assert.Equal(VirtQueueFault.None, bed.Transport.Queues[0].Fault);
    }

    [Fact]
    public void AttachingTwice_IsRefused()
    {
        using var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        using var bed = new VirtioTestBed(new RecordingVirtioDevice());
        bed.Transport.AttachToEventLoop(loop, vm: null, new GuestAddress(0xd000_0000));

        Assert.Throws<InvalidOperationException>(() => bed.Transport.AttachToEventLoop(loop, vm: null, new GuestAddress(0xd000_0000)));
        Assert.Equal(1, loop.RegistrationCount);
    }

    [Fact]
    public void DisposedTransport_LeavesTheLoop()
    {
        using var loop = new VirtioEventLoop(TestLogSink.CreateLogger(out _));
        var device = new RecordingVirtioDevice(queueSizes: [16, 16]);
        var bed = new VirtioTestBed(device);
        bed.Transport.AttachToEventLoop(loop, vm: null, new GuestAddress(0xd000_0000));
        Assert.Equal(2, loop.RegistrationCount);

        bed.Dispose();

        Assert.Equal(0, loop.RegistrationCount);
        bed.Driver.Notify(0); // after dispose: nothing happens, nothing throws
    }
}
