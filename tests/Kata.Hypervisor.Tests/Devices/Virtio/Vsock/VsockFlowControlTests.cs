using System.Net.Sockets;
using System.Security.Cryptography;
using Kata.Hypervisor.Devices.Virtio.Vsock;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Vsock;

/// <summary>
/// Credit-based flow control (virtio 1.2 §5.10.6.3) in both directions, and a guest that stops taking data: the host
/// socket is no longer drained (the host writer blocks; nothing piles up in the VMM) and it resumes afterwards.
/// </summary>
public sealed class VsockFlowControlTests
{
    [Fact]
    public void HostToGuest_StopsAtTheGuestsCredit_AndResumesOnCreditUpdate()
    {
        const uint Credit = 16 * 1024;
        using var bed = new VsockTestBed();
        bed.Guest.AutoCredit = false;
        (Socket client, VsockConnectionKey key) = bed.OpenHostConnection(1024, guestBufAlloc: Credit);
        using (client)
        {
            byte[] head = RandomNumberGenerator.GetBytes(64 * 1024);
            client.Send(head);
            byte[] first = bed.Guest.ReceiveData(1024, key.LocalPort, (int)Credit);
            VsockGuestPacket request = bed.Guest.WaitFor(p => p.Header.Operation == VsockOp.CreditRequest);
            Assert.Equal(key.LocalPort, request.Header.SrcPort);
            // The device stopped reading at the credit: the host writer can fill its socket and then blocks.
            bed.Settle();
            byte[] written = [.. head, .. WriteUntilBlocked(client)];
            bed.Settle();
            bed.Guest.Poll();
            Assert.DoesNotContain(bed.Guest.Inbox, p => p.Header.Operation == VsockOp.Rw);
            Assert.Equal(Credit, (uint)bed.Count(VsockCounter.RxBytes));
            Assert.Equal(VsockSocketInterest.None, bed.Device.InterestOf(key)! & VsockSocketInterest.Readable);
            Assert.False(TrySendMore(client), "the host socket is not drained while the guest has no credit");

            // The guest's application read the first 16 KiB: its CREDIT_UPDATE lets the next 16 KiB through, no more.
            bed.Guest.Send(VsockOp.CreditUpdate, 1024, key.LocalPort, bufAlloc: Credit, fwdCnt: Credit);
            byte[] second = bed.Guest.ReceiveData(1024, key.LocalPort, (int)Credit);
            bed.Guest.WaitFor(p => p.Header.Operation == VsockOp.CreditRequest);
            Assert.Equal(2 * Credit, (uint)bed.Count(VsockCounter.RxBytes));

            // Then plenty of credit, and Linux-like credit updates: the rest arrives, intact and in order.
            bed.Guest.AutoCredit = true;
            bed.Guest.Send(VsockOp.CreditUpdate, 1024, key.LocalPort);
            byte[] rest = bed.Guest.ReceiveData(1024, key.LocalPort, written.Length - (int)(2 * Credit));
            Assert.Equal(SHA256.HashData(written), SHA256.HashData([.. first, .. second, .. rest]));
        }
    }

    [Fact]
    public void GuestWithoutReceiveBuffers_LeavesTheHostWriterBlocked_ThenGetsEverything()
    {
        using var bed = new VsockTestBed(startGuest: false);
        bed.Guest.RxBuffersWanted = 4;
        bed.Guest.Start();
        (Socket client, VsockConnectionKey key) = bed.OpenHostConnection(1024);
        using (client)
        {
            bed.Guest.RxBuffersWanted = 0;
            byte[] head = RandomNumberGenerator.GetBytes(64 * 1024);
            client.Send(head);
            VsockTestBed.WaitUntil(() => (ushort)(bed.Guest.Rx.ReadUsedIndex() - bed.Guest.Rx.LastSeenUsed) == bed.Guest.RxBuffersOffered,
                "the guest's last receive buffers to be filled");
            bed.Settle();

            byte[] written = [.. head, .. WriteUntilBlocked(client)];

            // Bounded: what the host wrote sits in its socket buffers (plus at most the few guest buffers), not in the VMM.
            Assert.InRange(written.Length, head.Length + 1, 4 << 20);
            bed.Settle();
            Assert.Equal(VsockSocketInterest.None, bed.Device.InterestOf(key)! & VsockSocketInterest.Readable);
            Assert.False(TrySendMore(client));

            bed.Guest.RxBuffersWanted = 64;
            byte[] received = bed.Guest.ReceiveData(1024, key.LocalPort, written.Length);
            Assert.Equal(SHA256.HashData(written), SHA256.HashData(received));
        }
    }

    [Fact]
    public async Task GuestToHost_KeepsWithinTheHostCredit_AndCreditUpdatesFollowTheHostReader()
    {
        const int Total = 1 << 20;
        using var bed = new VsockTestBed();
        (Socket client, VsockConnectionKey key) = bed.OpenHostConnection(1024);
        using (client)
        {
            byte[] data = RandomNumberGenerator.GetBytes(Total);
            uint hostBufAlloc = (uint)bed.Options.TxBufferSize, hostFwdCnt = 0;
            int sent = 0;
            Task<byte[]>? reader = null;
            while (sent < Total)
            {
                uint credit = hostBufAlloc - ((uint)sent - hostFwdCnt);
                if (credit == 0)
                {
                    // Out of credit, as a Linux guest would be: the host application starts reading, and the device
                    // tells the guest about the space it freed.
                    reader ??= Task.Run(() => VsockTestBed.ReadExactly(client, Total));
                    VsockGuestPacket update = bed.Guest.WaitFor(p => p.Header.Operation == VsockOp.CreditUpdate && p.Header.SrcPort == key.LocalPort);
                    hostBufAlloc = update.Header.BufAlloc;
                    hostFwdCnt = update.Header.FwdCnt;
                    continue;
                }
                int length = (int)Math.Min(Math.Min(credit, 32 * 1024u), (uint)(Total - sent));
                bed.Guest.Send(VsockOp.Rw, 1024, key.LocalPort, data.AsSpan(sent, length));
                sent += length;
            }
            Assert.NotNull(reader);
            byte[] received = await reader.WaitAsync(VsockTestBed.WaitLimit, TestContext.Current.CancellationToken);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
            Assert.Equal(0, bed.Count(VsockCounter.ConnectionsKilled));
        }
    }

    /// <summary>
    /// The bulk case of the issue: 64 MiB host → guest and 64 MiB guest → host at the same time over one connection
    /// opened either way (a host client's CONNECT, or the guest's REQUEST to PATH_port), through real Unix sockets,
    /// with matching SHA-256. The guest keeps to the host's credit as Linux does, reading it from every packet, and
    /// sends in single-descriptor packets of up to 60 000 bytes.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BothWaysAtOnce_64MiBEach_ArriveIntact(bool hostInitiated)
    {
        const int Total = 64 << 20;
        const uint GuestInitiatedHostPort = 5000, GuestInitiatedGuestPort = 40_000;
        using var bed = new VsockTestBed();
        Socket host;
        uint guestPort, hostPort, hostBufAlloc, hostFwdCnt;
        if (hostInitiated)
        {
            (host, VsockConnectionKey key) = bed.OpenHostConnection(1024);
            (guestPort, hostPort, hostBufAlloc, hostFwdCnt) = (key.PeerPort, key.LocalPort, (uint)bed.Options.TxBufferSize, 0);
        }
        else
        {
            using Socket listener = bed.ListenForGuest(GuestInitiatedHostPort);
            bed.Guest.Send(VsockOp.Request, GuestInitiatedGuestPort, GuestInitiatedHostPort);
            VsockGuestPacket response = bed.Guest.WaitFor(p => p.Header.DstPort == GuestInitiatedGuestPort);
            Assert.Equal(VsockOp.Response, response.Header.Operation);
            host = listener.Accept();
            host.ReceiveTimeout = host.SendTimeout = (int)VsockTestBed.WaitLimit.TotalMilliseconds;
            (guestPort, hostPort, hostBufAlloc, hostFwdCnt) = (GuestInitiatedGuestPort, GuestInitiatedHostPort, response.Header.BufAlloc, response.Header.FwdCnt);
        }
        using (host)
        {
            byte[] toGuest = new byte[Total];
            byte[] toHost = new byte[Total];
            new Random(hostInitiated ? 64 : 46).NextBytes(toGuest);
            new Random(hostInitiated ? 65 : 56).NextBytes(toHost);
            var writer = Task.Run(() => host.Send(toGuest));
            var reader = Task.Run(() => HashWhatArrives(host, Total));
            using var atGuest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long received = 0;
            int sent = 0;
            long lastProgress = Environment.TickCount64;
            while (received < Total || sent < Total)
            {
                // No time limit on the whole transfer (the machine may be busy), only on standing still.
                Assert.True(Environment.TickCount64 - lastProgress < VsockTestBed.WaitLimit.TotalMilliseconds,
                    $"stalled: {received} bytes at the guest, {sent} sent");
                bool progress = bed.Guest.Poll() > 0;
                foreach (VsockGuestPacket packet in bed.Guest.Inbox)
                {
                    Assert.Equal((hostPort, guestPort), (packet.Header.SrcPort, packet.Header.DstPort));
                    // Every packet carries the host's credit (§5.10.6.3), as Linux reads it from each one.
                    hostBufAlloc = packet.Header.BufAlloc;
                    hostFwdCnt = packet.Header.FwdCnt;
                    if (packet.Header.Operation == VsockOp.Rw)
                    {
                        atGuest.AppendData(packet.Payload);
                        received += packet.Payload.Length;
                    }
                    else
                    {
                        Assert.Equal(VsockOp.CreditUpdate, packet.Header.Operation);
                    }
                }
                bed.Guest.Inbox.Clear();
                uint credit = hostBufAlloc - ((uint)sent - hostFwdCnt);
                if (sent < Total && credit > 0)
                {
                    int length = (int)Math.Min(Math.Min(credit, 60_000u), (uint)(Total - sent));
                    bed.Guest.Send(VsockOp.Rw, guestPort, hostPort, toHost.AsSpan(sent, length), layout: VsockTxLayout.OneDescriptor);
                    sent += length;
                    progress = true;
                }
                if (progress)
                {
                    lastProgress = Environment.TickCount64;
                }
                else
                {
                    Thread.Sleep(1);
                }
            }
            await writer.WaitAsync(VsockTestBed.WaitLimit, TestContext.Current.CancellationToken);
            byte[] atHost = await reader.WaitAsync(VsockTestBed.WaitLimit, TestContext.Current.CancellationToken);
            Assert.Equal(Total, received);
            Assert.Equal(SHA256.HashData(toGuest), atGuest.GetHashAndReset());
            Assert.Equal(SHA256.HashData(toHost), atHost);
            Assert.Equal((long)Total, bed.Count(VsockCounter.RxBytes));
            Assert.Equal((long)Total, bed.Count(VsockCounter.TxBytes));
            Assert.Equal(0, bed.Count(VsockCounter.ConnectionsKilled));
            Assert.Equal(0, bed.Count(VsockCounter.MalformedPackets));
            Assert.Equal(0, bed.Count(VsockCounter.InternalErrors));
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes from <paramref name="socket"/> and returns their SHA-256 (without holding them).</summary>
    private static byte[] HashWhatArrives(Socket socket, long count)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[256 * 1024];
        long done = 0;
        while (done < count)
        {
            int n = socket.Receive(buffer, 0, (int)Math.Min(buffer.Length, count - done), SocketFlags.None);
            if (n == 0)
            {
                throw new EndOfStreamException($"the socket ended after {done} of {count} bytes");
            }
            hash.AppendData(buffer, 0, n);
            done += n;
        }
        return hash.GetHashAndReset();
    }

    /// <summary>Writes random data on a non-blocking socket until it would block; returns what was written.</summary>
    private static byte[] WriteUntilBlocked(Socket client)
    {
        client.Blocking = false;
        var written = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        while (true)
        {
            RandomNumberGenerator.Fill(chunk);
            int n = client.Send(chunk, 0, chunk.Length, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock)
            {
                break;
            }
            Assert.Equal(SocketError.Success, error);
            written.Write(chunk, 0, n);
            Assert.True(written.Length < (64 << 20), "the host socket never filled: something drains it without bound");
        }
        client.Blocking = true;
        return written.ToArray();
    }

    /// <summary>Whether one more byte fits into the host client's socket (it would not if nobody drains it).</summary>
    private static bool TrySendMore(Socket client)
    {
        client.Blocking = false;
        try
        {
            client.Send([0x42], 0, 1, SocketFlags.None, out SocketError error);
            return error == SocketError.Success;
        }
        finally
        {
            client.Blocking = true;
        }
    }
}
