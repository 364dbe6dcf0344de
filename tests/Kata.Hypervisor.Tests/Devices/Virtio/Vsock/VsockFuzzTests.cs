using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Vsock;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Vsock;

/// <summary>
/// A hostile guest and hostile host clients against virtio-vsock at once, with a fixed seed so a failure reproduces:
/// random and mutated packets in random descriptor layouts, garbage chains, random register writes and device
/// resets, receive buffers taken and returned, host clients with good and bad CONNECT lines, host sockets written to
/// and closed at random, and guest connections to listeners that accept or vanish. Nothing may throw out of the
/// device, every call returns, and afterwards every descriptor the device opened is closed again.
/// </summary>
[Collection(nameof(VsockFdCountingCollection))]
public sealed class VsockFuzzTests
{
    private const int Operations = 150_000;
    private static readonly TimeSpan CallBound = TimeSpan.FromSeconds(10);

    [Fact]
    public void HostileGuestAndHostClients_NothingEscapes_NothingLeaks()
    {
        VsockFdCountingCollection.WarmUp();
        int baseline = VsockFdCountingCollection.OpenDescriptors();
        Dictionary<string, string> before = VsockFdCountingCollection.Descriptors();
        FuzzStats stats;
        long internalErrors, deviceFailures, handlerFailures;
        string path;
        using (var bed = new VsockTestBed(configure: o => o with
        {
            HandshakeTimeout = TimeSpan.FromMilliseconds(200),
            ConnectTimeout = TimeSpan.FromMilliseconds(200),
            ShutdownTimeout = TimeSpan.FromMilliseconds(200),
            MaxConnections = 64,
            TxBufferSize = 64 * 1024,
        }))
        {
            path = bed.UdsPath;
            bed.Guest.AutoCredit = false;
            using var fuzzer = new Fuzzer(bed, new Random(0x5eed_0004));
            for (int i = 0; i < Operations; i++)
            {
                fuzzer.Step();
            }
            stats = fuzzer.Stats;
            internalErrors = bed.Count(VsockCounter.InternalErrors);
            deviceFailures = bed.Transport.Counters[VirtioMmioCounter.DeviceFailures];
            handlerFailures = bed.Loop.HandlerFailures;
            TestContext.Current.TestOutputHelper?.WriteLine($"{stats}; device counters: " + string.Join(", ",
                bed.Device.Counters.Snapshot().Where(c => c.Value != 0).Select(c => $"{c.Key}={c.Value}")));

            // Afterwards a proper driver gets a working device.
            bed.Guest.AutoCredit = true;
            bed.Guest.Start();
            (Socket client, VsockConnectionKey key) = bed.OpenHostConnection(4321);
            using (client)
            {
                client.Send("alive"u8);
                Assert.Equal("alive"u8.ToArray(), bed.Guest.ReceiveData(4321, key.LocalPort, 5));
            }
            Assert.True(bed.Count(VsockCounter.MalformedPackets) > 1000, "the fuzzer is too tame: few malformed packets");
            Assert.True(bed.Count(VsockCounter.ConnectionsOpened) > 100, "the fuzzer never gets connections going");
            Assert.True(bed.Count(VsockCounter.HandshakesRejected) > 100, "the fuzzer's host clients are too tame");
        }

        Assert.True(stats.Chains + stats.RegisterWrites >= 100_000, $"only {stats.Chains} chains and {stats.RegisterWrites} register writes");
        Assert.True(stats.SlowestCall < CallBound, $"a call took {stats.SlowestCall}");
        Assert.Equal(0, internalErrors);
        Assert.Equal(0, deviceFailures);
        Assert.Equal(0, handlerFailures);
        Assert.False(File.Exists(path));
        Assert.True(baseline == VsockFdCountingCollection.OpenDescriptors(), $"descriptors left open: {VsockFdCountingCollection.NewSince(before)}");
    }

    private sealed record FuzzStats(long Chains, long RegisterWrites, long HostActions, long Restarts, TimeSpan SlowestCall);

    private sealed class Fuzzer : IDisposable
    {
        private const ulong TxArea = 0x70_0000;
        private const int TxSlots = 16;
        private const int TxSlotSize = 0x1000;
        private static readonly uint[] GuestPorts = [1000, 1001, 1002, 1003];
        private static readonly uint[] ListenerPorts = [8000, 8001];
        private static readonly ulong[] Registers =
        [
            VirtioMmioRegister.QueueNotify, VirtioMmioRegister.QueueNotify, VirtioMmioRegister.QueueNotify, VirtioMmioRegister.InterruptAck,
            VirtioMmioRegister.Status, VirtioMmioRegister.QueueSel, VirtioMmioRegister.QueueNum, VirtioMmioRegister.QueueReady,
            VirtioMmioRegister.QueueDescLow, VirtioMmioRegister.DriverFeatures, VirtioMmioRegister.DriverFeaturesSel, VirtioMmioRegister.Config,
        ];

        private readonly VsockTestBed _bed;
        private readonly Random _random;
        private readonly List<Socket> _hostSockets = [];
        private readonly List<Socket> _listeners = [];
        private readonly List<uint> _hostPortsSeen = [];
        private readonly Stopwatch _call = new();
        private int _txSlot;
        private long _chains, _registerWrites, _hostActions, _restarts;
        private TimeSpan _slowest;

        public Fuzzer(VsockTestBed bed, Random random)
        {
            _bed = bed;
            _random = random;
            foreach (uint port in ListenerPorts)
            {
                Socket listener = bed.ListenForGuest(port);
                listener.Blocking = false;
                _listeners.Add(listener);
            }
        }

        public FuzzStats Stats => new(_chains, _registerWrites, _hostActions, _restarts, _slowest);

        public void Step()
        {
            int dice = _random.Next(100);
            _call.Restart();
            if (dice < 55)
            {
                OfferPacket();
            }
            else if (dice < 65)
            {
                OfferGarbageChain();
            }
            else if (dice < 78)
            {
                RegisterWrite();
            }
            else if (dice < 88)
            {
                TakeReceived();
            }
            else if (dice < 89)
            {
                Restart();
            }
            else
            {
                HostAction();
            }
            TimeSpan elapsed = _call.Elapsed;
            if (elapsed > _slowest)
            {
                _slowest = elapsed;
            }
        }

        public void Dispose()
        {
            foreach (Socket socket in _hostSockets.Concat(_listeners))
            {
                socket.Dispose();
            }
        }

        private void OfferPacket()
        {
            _chains++;
            uint guestPort = GuestPorts[_random.Next(GuestPorts.Length)];
            uint hostPort = _random.Next(3) switch
            {
                0 when _hostPortsSeen.Count > 0 => _hostPortsSeen[_random.Next(_hostPortsSeen.Count)],
                1 => ListenerPorts[_random.Next(ListenerPorts.Length)],
                _ => (uint)_random.Next(7990, 8010),
            };
            int payloadLength = _random.Next(4) == 0 ? 0 : _random.Next(0, 2000);
            uint length = (uint)payloadLength;
            ushort op = (ushort)_random.Next(1, 8);
            var header = new VsockHeader(VsockTestBed.GuestCid, VsockCid.Host, guestPort, hostPort, length, (ushort)VsockSocketType.Stream, op,
                (uint)_random.Next(0, 4), (uint)_random.Next(0, 128 * 1024), (uint)_random.Next(0, 128 * 1024));
            switch (_random.Next(24))
            {
                case 0: header = header with { Length = (uint)_random.NextInt64(0, 1L << 32) }; break;
                case 1: header = header with { Type = (ushort)_random.Next(0x10000) }; break;
                case 2: header = header with { Op = (ushort)_random.Next(0x10000) }; break;
                case 3: header = header with { SrcCid = (ulong)_random.NextInt64() }; break;
                case 4: header = header with { DstCid = (ulong)_random.Next(0, 5) }; break;
                case 5: header = header with { Length = length + (uint)_random.Next(1, 100) }; break;
                case 6: header = header with { Flags = (uint)_random.NextInt64(0, 1L << 32) }; break;
                case 7: header = header with { BufAlloc = uint.MaxValue, FwdCnt = (uint)_random.NextInt64(0, 1L << 32) }; break;
            }
            byte[] bytes = new byte[VsockHeader.Size + payloadLength];
            header.Write(bytes);
            _random.NextBytes(bytes.AsSpan(VsockHeader.Size));
            if (_random.Next(20) == 0)
            {
                // Truncated anywhere, header included.
                bytes = bytes[.._random.Next(0, bytes.Length + 1)];
            }
            Offer(bytes);
        }

        /// <summary>Writes <paramref name="bytes"/> (may be empty) into a transmit slot as 1..6 readable descriptors and notifies; does not wait.</summary>
        private void Offer(byte[] bytes)
        {
            VirtioGuestQueue tx = _bed.Guest.Tx;
            int slot = _txSlot++ % TxSlots;
            ulong address = TxArea + (ulong)slot * TxSlotSize;
            _bed.Memory.Write(new GuestAddress(address), bytes);
            int pieces = Math.Min(_random.Next(1, 7), Math.Max(1, bytes.Length));
            ushort first = (ushort)(200 + slot * 3 % 48);
            int offset = 0;
            for (int i = 0; i < pieces; i++)
            {
                bool last = i == pieces - 1;
                int size = last ? bytes.Length - offset : _random.Next(0, bytes.Length - offset + 1);
                tx.WriteDescriptor((first + i) % VsockTestGuest.QueueSize, address + (ulong)offset, (uint)size,
                    last ? VirtqDescriptorFlags.None : VirtqDescriptorFlags.Next, (ushort)((first + i + 1) % VsockTestGuest.QueueSize));
                offset += size;
            }
            tx.OfferHead(first);
            _bed.Driver.Notify(VirtioVsock.TxQueue);
            tx.TakeUsed();
        }

        private void OfferGarbageChain()
        {
            _chains++;
            VirtioGuestQueue queue = _random.Next(3) == 0 ? _bed.Guest.Rx : _bed.Guest.Tx;
            ushort head = (ushort)_random.Next(160, 256);
            queue.WriteDescriptor(head, (ulong)_random.NextInt64(0, 1L << 40), (uint)_random.NextInt64(0, 1L << 32),
                (VirtqDescriptorFlags)_random.Next(0, 8), (ushort)_random.Next(0x10000));
            queue.PutInRing(_random.Next(10) == 0 ? (ushort)_random.Next(0x10000) : head);
            queue.PublishAvailIndex((ushort)(queue.AvailIndex + 1));
            _bed.Driver.Notify(queue.Index);
            if (queue == _bed.Guest.Rx)
            {
                // The guest's own bookkeeping of the receive ring is now off: start over.
                Restart();
            }
        }

        private void RegisterWrite()
        {
            _registerWrites++;
            ulong register = Registers[_random.Next(Registers.Length)];
            uint value = register == VirtioMmioRegister.QueueNotify ? (uint)_random.Next(0, 5) : (uint)_random.NextInt64(0, 1L << 32);
            _bed.Driver.Write(register, value);
        }

        private void TakeReceived()
        {
            if (!_bed.Transport.IsActivated)
            {
                Restart();
                return;
            }
            _bed.Guest.SplitRxBuffers = _random.Next(2) == 0;
            _bed.Guest.Poll();
            foreach (VsockGuestPacket packet in _bed.Guest.Inbox)
            {
                if (packet.Header.Operation == VsockOp.Request && _hostPortsSeen.Count < 64)
                {
                    _hostPortsSeen.Add(packet.Header.SrcPort);
                }
            }
            _bed.Guest.Inbox.Clear();
        }

        private void Restart()
        {
            _restarts++;
            _bed.Guest.Start();
        }

        private void HostAction()
        {
            _hostActions++;
            switch (_random.Next(6))
            {
                case 0:
                case 1:
                    NewHostClient();
                    break;
                case 2:
                    foreach (Socket listener in _listeners)
                    {
                        try
                        {
                            Socket accepted = listener.Accept();
                            accepted.Blocking = false;
                            Track(accepted);
                        }
                        catch (SocketException)
                        {
                        }
                    }
                    break;
                case 3:
                case 4:
                    if (_hostSockets.Count > 0)
                    {
                        Socket socket = _hostSockets[_random.Next(_hostSockets.Count)];
                        byte[] data = new byte[_random.Next(1, 8192)];
                        _random.NextBytes(data);
                        socket.Send(data, 0, data.Length, SocketFlags.None, out _);
                        byte[] sink = new byte[65536];
                        socket.Receive(sink, 0, sink.Length, SocketFlags.None, out _);
                    }
                    break;
                default:
                    if (_hostSockets.Count > 0)
                    {
                        int index = _random.Next(_hostSockets.Count);
                        _hostSockets[index].Dispose();
                        _hostSockets.RemoveAt(index);
                    }
                    break;
            }
        }

        private void NewHostClient()
        {
            var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                client.Connect(new UnixDomainSocketEndPoint(_bed.UdsPath));
            }
            catch (SocketException)
            {
                // The listener's backlog is full: the muxer is behind, which is fine.
                client.Dispose();
                return;
            }
            client.Blocking = false;
            string line = _random.Next(8) switch
            {
                0 => "CONNECT abc\n",
                1 => "CONNECT " + new string('9', _random.Next(20, 60)),
                2 => "CONN",
                3 => "",
                4 => $"CONNECT {GuestPorts[_random.Next(GuestPorts.Length)]}\nearly data",
                _ => $"CONNECT {GuestPorts[_random.Next(GuestPorts.Length)]}\n",
            };
            client.Send(Encoding.ASCII.GetBytes(line), 0, line.Length, SocketFlags.None, out _);
            Track(client);
        }

        private void Track(Socket socket)
        {
            _hostSockets.Add(socket);
            if (_hostSockets.Count > 48)
            {
                _hostSockets[0].Dispose();
                _hostSockets.RemoveAt(0);
            }
        }
    }
}
