using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Kata.Bench.Virtio;

/// <summary>
/// (a) of the benchmark: a stream through the hybrid-vsock muxer (host Unix socket → device → guest rings and
/// back) against the same stream over a plain connected pair of Unix sockets, with the same chunk sizes: 64 KiB
/// writes on the host, reads of up to 64 KiB (a packet's payload) on the other end.
/// </summary>
internal static class VsockBench
{
    private const int Chunk = 64 * 1024;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static IEnumerable<Figure> Run(BenchOptions options)
    {
        long bytes = options.StreamMiB << 20;
        using (var sink = new VsockBenchGuest(VsockBenchMode.Sink))
        using (Socket host = Connect(sink))
        using (var pair = new UnixSocketPair())
        {
            yield return Runs.Compare($"vsock stream host → guest ({options.StreamMiB} MiB)", "MiB/s", higherIsBetter: true, options.Runs,
                () => HostToGuest(host, sink, bytes), () => Stream(pair.Left, pair.Right, bytes));
        }
        using (var source = new VsockBenchGuest(VsockBenchMode.Source))
        using (Socket host = Connect(source))
        using (var pair = new UnixSocketPair())
        {
            yield return Runs.Compare($"vsock stream guest → host ({options.StreamMiB} MiB)", "MiB/s", higherIsBetter: true, options.Runs,
                () => GuestToHost(host, source, bytes), () => Stream(pair.Left, pair.Right, bytes));
        }
        using (var echo = new VsockBenchGuest(VsockBenchMode.Echo))
        using (Socket host = Connect(echo))
        using (var pair = new UnixSocketPair())
        {
            var echoer = new Thread(() => Echo(pair.Right)) { IsBackground = true };
            echoer.Start();
            yield return Runs.Compare($"vsock round trip, 64 bytes (median of {options.RoundTrips})", "µs", higherIsBetter: false, options.Runs,
                () => RoundTrips(host, options.RoundTrips, echo.ThrowIfFailed), () => RoundTrips(pair.Left, options.RoundTrips, null));
            pair.Left.Shutdown(SocketShutdown.Both);
            echoer.Join();
        }
    }

    /// <summary>A host client on the muxer's socket after the hybrid handshake (CONNECT, OK).</summary>
    private static Socket Connect(VsockBenchGuest guest)
    {
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
        {
            ReceiveTimeout = (int)Limit.TotalMilliseconds,
            SendTimeout = (int)Limit.TotalMilliseconds,
        };
        client.Connect(new UnixDomainSocketEndPoint(guest.UdsPath));
        client.Send(Encoding.ASCII.GetBytes($"CONNECT {VsockBenchGuest.GuestPort}\n"));
        var line = new StringBuilder();
        byte[] one = new byte[1];
        while (client.Receive(one) == 1 && one[0] != (byte)'\n')
        {
            line.Append((char)one[0]);
        }
        if (!line.ToString().StartsWith("OK ", StringComparison.Ordinal))
        {
            guest.ThrowIfFailed();
            throw new InvalidOperationException($"vsock handshake failed: '{line}'");
        }
        return client;
    }

    private static double HostToGuest(Socket host, VsockBenchGuest guest, long bytes)
    {
        long start = guest.Received;
        byte[] chunk = Data(Chunk);
        var watch = Stopwatch.StartNew();
        for (long sent = 0; sent < bytes; sent += Chunk)
        {
            host.Send(chunk, 0, (int)Math.Min(Chunk, bytes - sent), SocketFlags.None);
        }
        WaitFor(() => guest.Received - start >= bytes, guest, "the guest to receive the stream");
        return bytes / (1024.0 * 1024.0) / watch.Elapsed.TotalSeconds;
    }

    private static double GuestToHost(Socket host, VsockBenchGuest guest, long bytes)
    {
        byte[] buffer = new byte[Chunk];
        var watch = Stopwatch.StartNew();
        guest.SendToHost(bytes);
        for (long received = 0; received < bytes;)
        {
            int n = host.Receive(buffer);
            if (n == 0)
            {
                guest.ThrowIfFailed();
                throw new InvalidOperationException($"the vsock stream ended after {received} of {bytes} bytes");
            }
            received += n;
        }
        return bytes / (1024.0 * 1024.0) / watch.Elapsed.TotalSeconds;
    }

    /// <summary>The direct path: one thread writes <paramref name="bytes"/> into <paramref name="writer"/>, this one reads them from <paramref name="reader"/>.</summary>
    private static double Stream(Socket writer, Socket reader, long bytes)
    {
        byte[] chunk = Data(Chunk);
        byte[] buffer = new byte[Chunk];
        var watch = Stopwatch.StartNew();
        var sender = Task.Run(() =>
        {
            for (long sent = 0; sent < bytes; sent += Chunk)
            {
                writer.Send(chunk, 0, (int)Math.Min(Chunk, bytes - sent), SocketFlags.None);
            }
        });
        for (long received = 0; received < bytes;)
        {
            received += reader.Receive(buffer);
        }
        double seconds = watch.Elapsed.TotalSeconds;
        sender.Wait();
        return bytes / (1024.0 * 1024.0) / seconds;
    }

    /// <summary>Median round trip of 64 bytes out and the same 64 back, in µs.</summary>
    private static double RoundTrips(Socket socket, int count, Action? check)
    {
        byte[] message = Data(64);
        byte[] reply = new byte[64];
        double[] times = new double[count];
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            socket.Send(message);
            for (int got = 0; got < reply.Length;)
            {
                int n = socket.Receive(reply, got, reply.Length - got, SocketFlags.None);
                if (n == 0)
                {
                    check?.Invoke();
                    throw new InvalidOperationException("the echo stream ended");
                }
                got += n;
            }
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            if (!reply.AsSpan().SequenceEqual(message))
            {
                throw new InvalidOperationException("the echo came back different");
            }
        }
        return Runs.Median(times);
    }

    private static void Echo(Socket socket)
    {
        byte[] buffer = new byte[Chunk];
        int n;
        while ((n = socket.Receive(buffer)) > 0)
        {
            socket.Send(buffer, 0, n, SocketFlags.None);
        }
    }

    private static void WaitFor(Func<bool> condition, VsockBenchGuest guest, string what)
    {
        var watch = Stopwatch.StartNew();
        var spin = new SpinWait();
        while (!condition())
        {
            guest.ThrowIfFailed();
            if (watch.Elapsed > Limit)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }
            spin.SpinOnce();
        }
    }

    private static byte[] Data(int length)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }
}
