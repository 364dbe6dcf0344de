using System.Net.Sockets;
using System.Text;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Vsock;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using Serilog;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Vsock;

/// <summary>
/// virtio-vsock behind a real MMIO transport over 8 MiB of guest memory, its muxer on a real Unix socket in a fresh
/// directory, and its sockets on a real <see cref="VirtioEventLoop"/>. By default queue notifications are processed
/// on the thread that writes QueueNotify (the test's), while socket readiness arrives on the loop thread, as in the
/// VMM; with <c>queuesOnLoop</c> the notifications go through eventfds on the loop too (the VMM's wiring without KVM).
/// A <see cref="VsockTestGuest"/> drives the device as Linux's virtio_transport would.
/// </summary>
internal sealed class VsockTestBed : IDisposable
{
    public const ulong GuestCid = 3;
    public const ulong MemoryBytes = 8UL << 20;
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    private readonly string _directory;
    private bool _disposed;

    public VsockTestBed(bool queuesOnLoop = false, Func<VsockMuxerOptions, VsockMuxerOptions>? configure = null, bool startGuest = true)
    {
        _directory = Path.Combine("/tmp", "vsk-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_directory);
        UdsPath = Path.Combine(_directory, "v.sock");
        Logger = TestLogSink.CreateLogger(out TestLogSink sink);
        Log = sink;
        Memory = new GuestMemory([(GuestAddress.Zero, MemoryBytes)]);
        Loop = new VirtioEventLoop(Logger, "vsock-test-loop");
        Poller = new VsockEventLoopPoller(Loop);
        var options = new VsockMuxerOptions { GuestCid = GuestCid, UdsPath = UdsPath };
        Options = configure?.Invoke(options) ?? options;
        Device = new VirtioVsock(Options, Poller, Logger);
        Transport = new VirtioMmioTransport(Device, Memory, Interrupt, Logger);
        if (queuesOnLoop)
        {
            Transport.AttachToEventLoop(Loop, vm: null, new GuestAddress(0xd000_0000));
        }
        Driver = new VirtioGuestDriver(Transport, Memory);
        Guest = new VsockTestGuest(this);
        if (startGuest)
        {
            Guest.Start();
        }
    }

    public string UdsPath { get; }
    public VsockMuxerOptions Options { get; }
    public ILogger Logger { get; }
    public TestLogSink Log { get; }
    public GuestMemory Memory { get; }
    public VirtioEventLoop Loop { get; }
    public VsockEventLoopPoller Poller { get; }
    public VirtioVsock Device { get; }
    public VirtioMmioTransport Transport { get; }
    public CountingInterruptLine Interrupt { get; } = new();
    public VirtioGuestDriver Driver { get; }
    public VsockTestGuest Guest { get; }

    public long Count(VsockCounter counter) => Device.Counters[counter];

    /// <summary>A host listener at PATH_port, where guest-initiated connections to <paramref name="port"/> go.</summary>
    public Socket ListenForGuest(uint port)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint($"{UdsPath}_{port}"));
        listener.Listen(16);
        return listener;
    }

    /// <summary>A host client connected to the muxer's socket (no handshake sent yet), with a receive timeout as a safety net.</summary>
    public Socket ConnectClient()
    {
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
        {
            ReceiveTimeout = (int)WaitLimit.TotalMilliseconds,
            SendTimeout = (int)WaitLimit.TotalMilliseconds,
        };
        client.Connect(new UnixDomainSocketEndPoint(UdsPath));
        return client;
    }

    /// <summary>
    /// The whole host-initiated handshake: CONNECT, the guest's REQUEST answered with RESPONSE, and the OK line.
    /// Returns the client and the connection's (host port, guest port).
    /// </summary>
    public (Socket Client, VsockConnectionKey Key) OpenHostConnection(uint guestPort, uint guestBufAlloc = VsockTestGuest.DefaultBufAlloc)
    {
        Socket client = ConnectClient();
        client.Send(Encoding.ASCII.GetBytes($"CONNECT {guestPort}\n"));
        VsockGuestPacket request = Guest.WaitFor(p => p.Header.Operation == VsockOp.Request && p.Header.DstPort == guestPort);
        Assert.Equal(VsockCid.Host, request.Header.SrcCid);
        Assert.Equal(GuestCid, request.Header.DstCid);
        Guest.Send(VsockOp.Response, guestPort, request.Header.SrcPort, bufAlloc: guestBufAlloc);
        string ok = ReadLine(client);
        Assert.Equal($"OK {request.Header.SrcPort}", ok);
        return (client, new VsockConnectionKey(request.Header.SrcPort, guestPort));
    }

    /// <summary>Reads one line (without its newline) byte by byte, so nothing after it is taken.</summary>
    public static string ReadLine(Socket socket)
    {
        var line = new StringBuilder();
        byte[] one = new byte[1];
        while (true)
        {
            int n = socket.Receive(one);
            if (n == 0 || one[0] == '\n')
            {
                return line.ToString();
            }
            line.Append((char)one[0]);
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (the receive timeout guards against a hang).</summary>
    public static byte[] ReadExactly(Socket socket, int count)
    {
        byte[] data = new byte[count];
        int done = 0;
        while (done < count)
        {
            int n = socket.Receive(data, done, count - done, SocketFlags.None);
            if (n == 0)
            {
                throw new EndOfStreamException($"the socket ended after {done} of {count} bytes");
            }
            done += n;
        }
        return data;
    }

    /// <summary>True when the peer has closed <paramref name="socket"/> (a read returns end of stream or a reset).</summary>
    public static bool ReadsEndOfStream(Socket socket)
    {
        try
        {
            byte[] buffer = new byte[256];
            while (true)
            {
                int n = socket.Receive(buffer);
                if (n == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut || e.SocketErrorCode == SocketError.WouldBlock)
        {
            return false;
        }
    }

    /// <summary>Waits (polling) for <paramref name="condition"/>; fails with <paramref name="what"/> after <see cref="WaitLimit"/>.</summary>
    public static void WaitUntil(Func<bool> condition, string what)
    {
        if (!SpinWait.SpinUntil(() =>
            {
                if (condition())
                {
                    return true;
                }
                Thread.Sleep(1);
                return false;
            }, WaitLimit))
        {
            Assert.Fail($"timed out waiting for {what}");
        }
    }

    /// <summary>Waits until the event loop has run everything that was ready before this call (a posted action runs after the current batch).</summary>
    public void Settle()
    {
        for (int i = 0; i < 3; i++)
        {
            using var done = new ManualResetEventSlim();
            Assert.True(Loop.Post(done.Set));
            Assert.True(done.Wait(WaitLimit), "the event loop did not run a posted action");
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Transport.Dispose();
        Device.Dispose();
        Loop.Dispose();
        Memory.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
