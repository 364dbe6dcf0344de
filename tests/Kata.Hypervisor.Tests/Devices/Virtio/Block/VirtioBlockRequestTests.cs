using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Block;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using static Kata.Hypervisor.Devices.Virtio.Block.VirtioBlockRequestType;
using static Kata.Hypervisor.Devices.Virtio.VirtqDescriptorFlags;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Block;

/// <summary>virtio-blk (virtio 1.2 §5.2) request by request, the test being the guest driver, over a real image file.</summary>
public sealed class VirtioBlockRequestTests
{
    private const ulong Data = BlockTestBed.Data;
    private const byte Ok = (byte)VirtioBlockStatus.Ok;
    private const byte IoErr = (byte)VirtioBlockStatus.IoError;
    private const byte Unsupp = (byte)VirtioBlockStatus.Unsupported;

    [Fact]
    public void Identity_Features_AndConfigSpace()
    {
        using var t = new BlockTestBed(sectors: 64);

        Assert.Equal(2u, t.Bed.Driver.Read(VirtioMmioRegister.DeviceId));
        Assert.Equal(VirtioFeatures.Version1 | VirtioFeatures.EventIndex | VirtioFeatures.IndirectDescriptors
            | VirtioBlockFeatures.SegMax | VirtioBlockFeatures.BlockSize | VirtioBlockFeatures.Flush, t.Bed.Driver.ReadDeviceFeatures());
        // capacity (le64, read as two 32-bit halves as Linux does on MMIO), seg_max, blk_size.
        Assert.Equal(64u, t.Bed.Driver.Read(VirtioMmioRegister.Config + 0));
        Assert.Equal(0u, t.Bed.Driver.Read(VirtioMmioRegister.Config + 4));
        Assert.Equal(0u, t.Bed.Driver.Read(VirtioMmioRegister.Config + 8));
        Assert.Equal(VirtioBlock.SegmentsMax, t.Bed.Driver.Read(VirtioMmioRegister.Config + 12));
        Assert.Equal(512u, t.Bed.Driver.Read(VirtioMmioRegister.Config + 20));
        Assert.Equal(0u, t.Bed.Driver.Read(VirtioMmioRegister.Config + 0x100));
        // Byte-wide reads, as §4.2.2.2 allows for the configuration space.
        Span<byte> low = stackalloc byte[1];
        t.Bed.Transport.Read(VirtioMmioRegister.Config + 20, low);
        Assert.Equal(0, low[0]);
        t.Bed.Transport.Read(VirtioMmioRegister.Config + 21, low);
        Assert.Equal(2, low[0]); // 512 = 0x200
        // A config write is ignored.
        t.Bed.Driver.Write(VirtioMmioRegister.Config, 7);
        Assert.Equal(64u, t.Bed.Driver.Read(VirtioMmioRegister.Config));
    }

    [Fact]
    public void ReadOnlyImage_OffersVirtioBlkFRo()
    {
        using var t = new BlockTestBed(readOnly: true);
        Assert.True(VirtioFeatures.Has(t.Bed.Driver.ReadDeviceFeatures(), VirtioBlockFeatures.ReadOnlyBit));
        Assert.True(t.Device.IsReadOnly);
    }

    [Fact]
    public void In_ReadsTheSectors_UsedLengthIsDataPlusStatus()
    {
        using var t = new BlockTestBed();

        (byte status, uint used) = t.Submit(In, 3, (Data, 1024, true));

        Assert.Equal(Ok, status);
        Assert.Equal(1025u, used);
        Assert.Equal(t.Image.Original.AsSpan(3 * 512, 1024).ToArray(), t.ReadGuest(Data, 1024));
        Assert.Equal(1, t.Count(VirtioBlockCounter.Reads));
        Assert.Equal(1024, t.Count(VirtioBlockCounter.BytesRead));
        Assert.Equal(1, t.Bed.Interrupt.Triggers);
    }

    [Fact]
    public void In_HeaderSplitInThree_DataInFiveOddSegments_StatusSharingTheLastDataBuffer()
    {
        using var t = new BlockTestBed();
        ulong header = t.Header(In, 10);
        // The status byte is the last byte of the last writable buffer, which also holds the last 511 data bytes.
        ulong tail = Data + 0x4000;
        t.Memory.Write(new GuestAddress(tail + 511), BlockTestBed.Untouched);

        uint used = t.SubmitRaw(
            (header, 5, false), (header + 5, 7, false), (header + 12, 4, false),
            (Data, 100, true), (Data + 0x1000, 412, true), (Data + 0x2000, 512, true), (Data + 0x3000, 1, true),
            (tail, 512, true));

        Assert.Equal(3u * 512 + 1, used);
        Assert.Equal(Ok, t.ReadStatus(tail + 511));
        byte[] expected = t.Image.Original.AsSpan(10 * 512, 3 * 512).ToArray();
        byte[] got = [.. t.ReadGuest(Data, 100), .. t.ReadGuest(Data + 0x1000, 412), .. t.ReadGuest(Data + 0x2000, 512),
            .. t.ReadGuest(Data + 0x3000, 1), .. t.ReadGuest(tail, 511)];
        Assert.Equal(expected, got);
    }

    [Fact]
    public void Out_WritesTheImage_AcrossDescriptors_AndNothingElse()
    {
        using var t = new BlockTestBed();
        byte[] payload = new byte[3 * 512];
        new Random(42).NextBytes(payload);
        t.Memory.Write(new GuestAddress(Data), payload.AsSpan(0, 700));
        t.Memory.Write(new GuestAddress(Data + 0x1000), payload.AsSpan(700, 836));

        (byte status, uint used) = t.Submit(Out, 5, (Data, 700, false), (Data + 0x1000, 836, false));

        Assert.Equal(Ok, status);
        Assert.Equal(1u, used);
        byte[] expected = (byte[])t.Image.Original.Clone();
        payload.CopyTo(expected, 5 * 512);
        Assert.Equal(expected, t.Image.Contents());
        Assert.Equal(1, t.Count(VirtioBlockCounter.Writes));
        Assert.Equal(3 * 512, t.Count(VirtioBlockCounter.BytesWritten));
        Assert.Equal(0, t.Disk.Flushes); // FLUSH negotiated: write-back, the guest flushes when it wants
    }

    [Fact]
    public void Out_ThenIn_RoundTripsTheLastSector()
    {
        using var t = new BlockTestBed(sectors: 8);
        t.Memory.Write(new GuestAddress(Data), Enumerable.Repeat((byte)0x5a, 512).ToArray());

        Assert.Equal((Ok, 1u), t.Submit(Out, 7, (Data, 512, false)));
        Assert.Equal((Ok, 513u), t.Submit(In, 7, (Data + 0x1000, 512, true)));

        Assert.All(t.ReadGuest(Data + 0x1000, 512), b => Assert.Equal(0x5a, b));
        Assert.Equal(8 * 512, t.Image.Contents().Length);
    }

    [Fact]
    public void Flush_Fsyncs_AndAnswersOk()
    {
        using var t = new BlockTestBed();

        Assert.Equal((Ok, 1u), t.Submit(Flush, 0));
        Assert.Equal((Ok, 1u), t.Submit(Flush, 12345)); // the sector of a flush is ignored

        Assert.Equal(2, t.Disk.Flushes);
        Assert.Equal(2, t.Count(VirtioBlockCounter.Flushes));
    }

    [Fact]
    public void WithoutFlushNegotiated_WritesAreWriteThrough()
    {
        using var t = new BlockTestBed(features: VirtioFeatures.Version1 | VirtioBlockFeatures.SegMax | VirtioBlockFeatures.BlockSize);
        t.Memory.Write(new GuestAddress(Data), new byte[512]);

        Assert.Equal((Ok, 1u), t.Submit(Out, 0, (Data, 512, false)));

        Assert.Equal(1, t.Disk.Flushes);
    }

    [Fact]
    public void GetId_ReturnsTheSerialBuiltFromDeviceAndInode_LikeFirecracker()
    {
        using var t = new BlockTestBed();
        // st_dev, st_rdev and st_ino in decimal, run together, first 20 bytes (Firecracker's build_device_id).
        string expected = RunStat(t.Image.ImagePath);
        expected = expected[..Math.Min(20, expected.Length)];

        (byte status, uint used) = t.Submit(GetId, 0, (Data, 20, true));

        Assert.Equal(Ok, status);
        Assert.Equal(21u, used);
        byte[] serial = t.ReadGuest(Data, 20);
        Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(serial).TrimEnd('\0'));
        Assert.Equal(1, t.Count(VirtioBlockCounter.GetIds));
    }

    [Fact]
    public void GetId_WithABufferShorterThan20Bytes_IsIoErr()
    {
        using var t = new BlockTestBed();
        t.Memory.Write(new GuestAddress(Data), new byte[16]);

        Assert.Equal((IoErr, 1u), t.Submit(GetId, 0, (Data, 16, true)));
        Assert.All(t.ReadGuest(Data, 16), b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(10u)] // GET_LIFETIME
    [InlineData(11u)] // DISCARD
    [InlineData(13u)] // WRITE_ZEROES
    [InlineData(14u)] // SECURE_ERASE
    [InlineData(2u)]
    [InlineData(0xdead_beefu)]
    public void UnknownOrUnofferedTypes_AreUnsupp_AndTouchNothing(uint type)
    {
        using var t = new BlockTestBed();
        t.Memory.Write(new GuestAddress(Data), Enumerable.Repeat((byte)0x11, 512).ToArray());
        ulong header = t.Header(type, 0);
        ulong status = t.StatusByte();

        uint used = t.SubmitRaw((header, 16, false), (Data, 512, false), (status, 1, true));

        Assert.Equal(1u, used);
        Assert.Equal(Unsupp, t.ReadStatus(status));
        Assert.Equal(t.Image.Original, t.Image.Contents());
        Assert.Equal(1, t.Count(VirtioBlockCounter.UnsupportedRequests));
    }

    [Fact]
    public void ReadOnly_WritesAreIoErr_AndTheImageIsUntouched_ReadsAndFlushWork()
    {
        using var t = new BlockTestBed(readOnly: true);
        t.Memory.Write(new GuestAddress(Data), Enumerable.Repeat((byte)0x77, 512).ToArray());

        Assert.Equal((IoErr, 1u), t.Submit(Out, 0, (Data, 512, false)));
        Assert.Equal((Ok, 513u), t.Submit(In, 1, (Data + 0x1000, 512, true)));
        Assert.Equal((Ok, 1u), t.Submit(Flush, 0));

        Assert.Equal(t.Image.Original, t.Image.Contents());
        Assert.Empty(t.Disk.Writes);
        Assert.Equal(1, t.Count(VirtioBlockCounter.ReadOnlyViolations));
    }

    [Theory]
    [InlineData(63ul, 2)]                 // one sector inside, one past the end
    [InlineData(64ul, 1)]                 // starts at the capacity
    [InlineData(ulong.MaxValue, 1)]       // sector * 512 would overflow
    [InlineData(ulong.MaxValue / 512, 1)] // sector * 512 fits, the sum does not
    public void SectorsPastTheCapacity_AreIoErr_ForReadsAndWrites(ulong sector, int sectors)
    {
        using var t = new BlockTestBed(sectors: 64);
        uint length = (uint)sectors * 512;
        t.Memory.Write(new GuestAddress(Data), Enumerable.Repeat((byte)0x99, (int)length).ToArray());

        Assert.Equal((IoErr, 1u), t.Submit(Out, sector, (Data, length, false)));
        Assert.Equal((IoErr, 1u), t.Submit(In, sector, (Data + 0x2000, length, true)));

        Assert.Equal(t.Image.Original, t.Image.Contents());
        Assert.Equal(2, t.Count(VirtioBlockCounter.OutOfRangeRequests));
        Assert.Equal(0, t.Count(VirtioBlockCounter.HostIoErrors));
    }

    [Fact]
    public void TheLastSector_IsInRange()
    {
        using var t = new BlockTestBed(sectors: 64);
        Assert.Equal((Ok, 513u), t.Submit(In, 63, (Data, 512, true)));
        Assert.Equal(t.Image.Original.AsSpan(63 * 512).ToArray(), t.ReadGuest(Data, 512));
    }

    [Fact]
    public void WrongDataDirection_IsIoErr_AndWritesNothing()
    {
        using var t = new BlockTestBed();
        t.Memory.Write(new GuestAddress(Data), Enumerable.Repeat((byte)0x42, 512).ToArray());

        // IN whose data buffer is device-readable, OUT whose data buffer is device-writable.
        Assert.Equal((IoErr, 1u), t.Submit(In, 0, (Data, 512, false)));
        Assert.Equal((IoErr, 1u), t.Submit(Out, 0, (Data, 512, true)));

        Assert.All(t.ReadGuest(Data, 512), b => Assert.Equal(0x42, b));
        Assert.Equal(t.Image.Original, t.Image.Contents());
        Assert.Equal(2, t.Count(VirtioBlockCounter.MalformedRequests));
    }

    [Theory]
    [InlineData(In, 100u)]
    [InlineData(In, 513u)]
    [InlineData(Out, 511u)]
    [InlineData(Out, 1000u)]
    public void DataNotWholeSectors_IsIoErr(VirtioBlockRequestType type, uint length)
    {
        using var t = new BlockTestBed();
        Assert.Equal((IoErr, 1u), t.Submit(type, 0, (Data, length, type == In)));
        Assert.Equal(t.Image.Original, t.Image.Contents());
        Assert.Equal(1, t.Count(VirtioBlockCounter.MalformedRequests));
    }

    [Fact]
    public void AHeaderShorterThan16Bytes_IsIoErr()
    {
        using var t = new BlockTestBed();
        ulong header = t.Header(In, 0);
        ulong status = t.StatusByte();

        Assert.Equal(1u, t.SubmitRaw((header, 8, false), (status, 1, true)));
        Assert.Equal(IoErr, t.ReadStatus(status));
    }

    [Fact]
    public void NoWritableStatusByteAtTheEnd_ReturnsTheChainWithLength0_AndWritesNothing()
    {
        using var t = new BlockTestBed();
        t.Memory.Write(new GuestAddress(Data), Enumerable.Repeat((byte)0x33, 512).ToArray());
        ulong header = t.Header(Out, 0);

        // An OUT request whose last buffer is its (device-readable) data: no status byte at all.
        Assert.Equal(0u, t.SubmitRaw((header, 16, false), (Data, 512, false)));
        // Only a header.
        Assert.Equal(0u, t.SubmitRaw((t.Header(In, 0), 16, false)));

        Assert.Equal(t.Image.Original, t.Image.Contents());
        Assert.Equal(2, t.Count(VirtioBlockCounter.ChainsWithoutStatus));
        Assert.Equal(0, t.Count(VirtioBlockCounter.Writes));
    }

    [Fact]
    public void AStatusByteOnlyChain_IsIoErr()
    {
        using var t = new BlockTestBed();
        ulong status = t.StatusByte();
        Assert.Equal(1u, t.SubmitRaw((status, 1, true)));
        Assert.Equal(IoErr, t.ReadStatus(status));
    }

    [Fact]
    public void InvalidChains_AreReturnedWithLength0_AndTheNextRequestIsServed()
    {
        using var t = new BlockTestBed();
        ulong header = t.Header(In, 0);
        t.Queue.WriteDescriptor(0, header, 16, Next, 1);
        t.Queue.WriteDescriptor(1, 0xdead_0000, 512, Write | Next, 2); // outside guest RAM
        t.Queue.WriteDescriptor(2, t.StatusByte(), 1, Write, 0);
        t.Queue.OfferHead(0);
        t.Bed.Driver.Notify(0);
        Assert.Equal([(0u, 0u)], t.Queue.TakeUsed());

        Assert.Equal((Ok, 513u), t.Submit(In, 0, (Data, 512, true)));
        Assert.Equal(1, t.Count(VirtioBlockCounter.InvalidChains));
    }

    [Fact]
    public void IndirectDescriptors_CarryAWholeRequest()
    {
        using var t = new BlockTestBed();
        ulong header = t.Header(In, 2);
        ulong status = t.StatusByte();
        var table = new GuestAddress(0x2_0000);
        t.Queue.WriteDescriptorAt(table, 0, header, 16, Next, 1);
        t.Queue.WriteDescriptorAt(table, 1, Data, 512, Write | Next, 2);
        t.Queue.WriteDescriptorAt(table, 2, status, 1, Write, 0);
        t.Queue.WriteDescriptor(0, table.Value, 48, Indirect, 0);

        t.Queue.OfferHead(0);
        t.Bed.Driver.Notify(0);

        Assert.Equal([(0u, 513u)], t.Queue.TakeUsed());
        Assert.Equal(Ok, t.ReadStatus(status));
        Assert.Equal(t.Image.Original.AsSpan(2 * 512, 512).ToArray(), t.ReadGuest(Data, 512));
    }

    [Fact]
    public void ImageTruncatedUnderTheDevice_ReadsPastTheNewEndAreIoErr_Logged_Counted_AndTheDeviceGoesOn()
    {
        var logger = TestLogSink.CreateLogger(out TestLogSink sink);
        using var t = new BlockTestBed(sectors: 64, logger: logger);
        using (var file = new FileStream(t.Image.ImagePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            file.SetLength(4 * 512);
        }
        Assert.Equal(64ul, t.Device.CapacitySectors); // fixed when the image was opened

        Assert.Equal((IoErr, 1u), t.Submit(In, 10, (Data, 512, true)));
        (byte status, uint used) = t.Submit(In, 3, (Data, 1024, true)); // half before the new end, half after
        Assert.Equal(IoErr, status);
        Assert.Equal(512u + 1, used); // the sector that was read is in guest memory
        Assert.Equal((Ok, 513u), t.Submit(In, 0, (Data, 512, true)));

        Assert.Equal(2, t.Count(VirtioBlockCounter.HostIoErrors));
        Assert.Equal(0, t.Bed.Count(VirtioMmioCounter.NeedsResets));
        Assert.Contains(sink.Messages, m => m.Contains("host I/O error", StringComparison.Ordinal)
            && m.Contains("truncated", StringComparison.Ordinal) && m.Contains(t.Image.ImagePath, StringComparison.Ordinal));
    }

    [Fact]
    public void HostIoErrors_AreIoErr_WithALogLine_AndRateLimited()
    {
        var logger = TestLogSink.CreateLogger(out TestLogSink sink);
        using var image = new TempImage(16);
        var disk = new RecordingDiskImage(DiskImageFile.Open(image.ImagePath, readOnly: false)) { FailWrites = true, FailReads = true, FailFlushes = true };
        using var device = new VirtioBlock(disk, logger);
        using var bed = new VirtioTestBed(device);
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);
        ulong status = 0x3_8000;

        for (int i = 0; i < 30; i++)
        {
            var type = (i % 3) switch { 0 => Out, 1 => In, _ => Flush };
            bed.Memory.Write(new GuestAddress(0x3_0000), [(byte)type, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
            bed.Memory.Write(new GuestAddress(status), (byte)0xee);
            queue.Offer(type == Flush
                ? [(0x3_0000, 16, false), (status, 1, true)]
                : [(0x3_0000, 16, false), (Data, 512, type == In), (status, 1, true)]);
            bed.Driver.Notify(0);
            Assert.Equal(IoErr, bed.Memory.Read<byte>(new GuestAddress(status)));
        }

        Assert.Equal(30, device.Counters[VirtioBlockCounter.HostIoErrors]);
        string[] errors = [.. sink.Messages.Where(m => m.Contains("host I/O error", StringComparison.Ordinal))];
        // RateLimitedLog lets 10 lines through per 10 s window and counts the rest; 30 requests take far less than a
        // window, but a second window would let at most 10 more through.
        Assert.InRange(errors.Length, 10, 20);
        Assert.Contains(errors, e => e.Contains("injected write error", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(image.ImagePath, StringComparison.Ordinal));
        Assert.Equal(0, bed.Count(VirtioMmioCounter.DeviceFailures));
        Assert.Equal(image.Original, image.Contents());
    }

    [Fact]
    public void ResetInTheMiddleOfIo_PendingRequestsAreDropped_AndTheDeviceWorksAfterReinitialization()
    {
        using var t = new BlockTestBed();
        t.Memory.Write(new GuestAddress(Data), Enumerable.Repeat((byte)0xab, 512).ToArray());
        Assert.Equal((Ok, 513u), t.Submit(In, 1, (Data + 0x1000, 512, true)));
        // Offered but not notified when the driver resets the device.
        ulong status = t.StatusByte();
        t.Queue.Offer((t.Header(Out, 2), 16, false), (Data, 512, false), (status, 1, true));

        t.Bed.Driver.WriteStatus(VirtioDeviceStatus.Reset);
        t.Bed.Driver.Notify(0);

        Assert.Empty(t.Queue.TakeUsed());
        Assert.Equal(BlockTestBed.Untouched, t.ReadStatus(status));
        Assert.Equal(t.Image.Original, t.Image.Contents());

        t.Queue = t.Bed.Driver.Start(16, new GuestAddress(0x2_0000));
        Assert.Equal((Ok, 1u), t.Submit(Out, 2, (Data, 512, false)));
        Assert.All(t.Image.Contents().AsSpan(2 * 512, 512).ToArray(), b => Assert.Equal(0xab, b));
    }

    [Fact]
    public void AFullQueue_IsServedInOneNotification_EveryHeadOnce()
    {
        using var t = new BlockTestBed(sectors: 256, queueSize: 256);
        // 85 requests of three descriptors fill 255 of the 256 descriptors.
        var heads = new List<ushort>();
        var statuses = new List<ulong>();
        for (int i = 0; i < 85; i++)
        {
            ulong status = t.StatusByte();
            statuses.Add(status);
            heads.Add(t.Queue.Offer((t.Header(In, (ulong)i), 16, false), (Data + (ulong)i * 512, 512, true), (status, 1, true)));
        }

        t.Bed.Driver.Notify(0);

        IReadOnlyList<(uint Id, uint Length)> used = t.Queue.TakeUsed();
        Assert.Equal(heads.Select(h => (uint)h), used.Select(u => u.Id));
        Assert.All(used, u => Assert.Equal(513u, u.Length));
        Assert.All(statuses, s => Assert.Equal(Ok, t.ReadStatus(s)));
        Assert.Equal(t.Image.Original.AsSpan(0, 85 * 512).ToArray(), t.ReadGuest(Data, 85 * 512));
    }

    private static string RunStat(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%d%r%i", path])
        {
            RedirectStandardOutput = true,
        })!;
        string output = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        Assert.Equal(0, stat.ExitCode);
        return output;
    }
}
