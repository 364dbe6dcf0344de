using System.Buffers.Binary;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary>Serving one request (virtio 1.2 §5.2.6): parsing, checking, the file I/O, the status byte.</summary>
public sealed partial class VirtioBlock
{
    /// <summary><c>struct virtio_blk_req</c> up to the data: le32 type, le32 reserved, le64 sector.</summary>
    private const int HeaderSize = 16;

    /// <summary>Largest piece of guest memory handed to one pread/pwrite (a segment may be up to 4 GiB).</summary>
    private const int IoChunk = 1 << 20;

    private readonly record struct Outcome(VirtioBlockStatus Status, uint DataBytesWritten);

    /// <summary>
    /// Serves <paramref name="chain"/> and returns the used length: the bytes written into guest memory (data and
    /// status byte), or 0 for a chain that has no place for the status byte.
    /// </summary>
    private uint Serve(VirtioDeviceContext context, DescriptorChain chain)
    {
        if (!chain.IsValid)
        {
            // The queue logged and counted the reason; an invalid chain has no buffers to answer in.
            Counters.Increment(VirtioBlockCounter.InvalidChains);
            return 0;
        }
        // §5.2.6: the status byte is the last byte of the request, device-writable. Device-readable buffers come first
        // (the queue enforces §2.7.4.2), so the last buffer is writable exactly when there is any writable byte.
        IReadOnlyList<DescriptorSegment> segments = chain.Segments;
        if (segments.Count == 0 || !segments[^1].IsWritable)
        {
            Counters.Increment(VirtioBlockCounter.ChainsWithoutStatus);
            WarnGuest("request at head {Head} has no device-writable status byte at its end; returned without an answer", chain.HeadIndex);
            return 0;
        }
        DescriptorSegment last = segments[^1];
        var statusAddress = new GuestAddress(last.Address.Value + last.Length - 1);

        Outcome outcome = Execute(context, chain);
        if (!context.Memory.TryWrite(statusAddress, (byte)outcome.Status))
        {
            // The segment was validated when the chain was popped; this would be a VMM bug.
            return outcome.DataBytesWritten;
        }
        return outcome.DataBytesWritten + 1;
    }

    private Outcome Execute(VirtioDeviceContext context, DescriptorChain chain)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        if (chain.ReadReadable(header) < HeaderSize)
        {
            return Malformed(chain, "its device-readable part is {Length} bytes, shorter than the 16-byte header", chain.ReadableLength);
        }
        var type = (VirtioBlockRequestType)BinaryPrimitives.ReadUInt32LittleEndian(header);
        ulong sector = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        // The header is device-readable, the status byte device-writable; what lies between is data.
        uint readableData = chain.ReadableLength - HeaderSize;
        uint writableData = chain.WritableLength - 1;
        return type switch
        {
            VirtioBlockRequestType.In => ReadSectors(context, chain, sector, readableData, writableData),
            VirtioBlockRequestType.Out => WriteSectors(context, chain, sector, readableData, writableData),
            VirtioBlockRequestType.Flush => Flush(chain),
            VirtioBlockRequestType.GetId => GetId(chain, readableData, writableData),
            _ => Unsupported(chain, type),
        };
    }

    private Outcome ReadSectors(VirtioDeviceContext context, DescriptorChain chain, ulong sector, uint readableData, uint writableData)
    {
        if (readableData != 0)
        {
            return Malformed(chain, "an IN request carries {Length} device-readable data bytes; its data must be device-writable", readableData);
        }
        if (!CheckRange(chain, sector, writableData, out ulong offset, out Outcome rejected))
        {
            return rejected;
        }
        ulong remaining = writableData;
        ulong position = offset;
        uint written = 0;
        foreach (DescriptorSegment segment in chain.Segments)
        {
            if (remaining == 0)
            {
                break;
            }
            if (!segment.IsWritable)
            {
                continue;
            }
            ulong inSegment = Math.Min(segment.Length, remaining);
            for (ulong done = 0; done < inSegment;)
            {
                int length = (int)Math.Min(inSegment - done, IoChunk);
                if (!context.Memory.TryGetSpan(segment.Address.Add(done), (ulong)length, out Span<byte> target))
                {
                    return HostError(chain, null, "guest memory of a validated buffer is not accessible", written);
                }
                int read;
                try
                {
                    read = _image.Read(target, position);
                }
                catch (Exception e) when (IsHostIoFailure(e))
                {
                    return HostError(chain, e, "read failed", written);
                }
                written += (uint)read;
                if (read < length)
                {
                    return HostError(chain, null, $"the image ended at byte {position + (ulong)read}, inside the device's capacity (was it truncated?)", written);
                }
                done += (ulong)length;
                position += (ulong)length;
            }
            remaining -= inSegment;
        }
        Counters.Increment(VirtioBlockCounter.Reads);
        Counters.Add(VirtioBlockCounter.BytesRead, written);
        return new Outcome(VirtioBlockStatus.Ok, written);
    }

    private Outcome WriteSectors(VirtioDeviceContext context, DescriptorChain chain, ulong sector, uint readableData, uint writableData)
    {
        if (writableData != 0)
        {
            return Malformed(chain, "an OUT request carries {Length} device-writable data bytes; its data must be device-readable", writableData);
        }
        if (_image.IsReadOnly)
        {
            // §5.2.6.2: a write to a VIRTIO_BLK_F_RO device is answered IOERR and writes nothing.
            Counters.Increment(VirtioBlockCounter.ReadOnlyViolations);
            WarnGuest("write request at head {Head} refused: the disk is read-only", chain.HeadIndex);
            return new Outcome(VirtioBlockStatus.IoError, 0);
        }
        if (!CheckRange(chain, sector, readableData, out ulong offset, out Outcome rejected))
        {
            return rejected;
        }
        ulong skip = HeaderSize;
        ulong position = offset;
        foreach (DescriptorSegment segment in chain.Segments)
        {
            if (segment.IsWritable)
            {
                break;
            }
            if (skip >= segment.Length)
            {
                skip -= segment.Length;
                continue;
            }
            for (ulong done = skip; done < segment.Length;)
            {
                int length = (int)Math.Min(segment.Length - done, IoChunk);
                if (!context.Memory.TryGetSpan(segment.Address.Add(done), (ulong)length, out Span<byte> source))
                {
                    return HostError(chain, null, "guest memory of a validated buffer is not accessible", 0);
                }
                try
                {
                    _image.Write(source, position);
                }
                catch (Exception e) when (IsHostIoFailure(e))
                {
                    return HostError(chain, e, "write failed", 0);
                }
                done += (ulong)length;
                position += (ulong)length;
            }
            skip = 0;
        }
        if (_writeThrough && readableData != 0)
        {
            try
            {
                _image.Flush();
            }
            catch (Exception e) when (IsHostIoFailure(e))
            {
                return HostError(chain, e, "write-through fsync failed", 0);
            }
        }
        Counters.Increment(VirtioBlockCounter.Writes);
        Counters.Add(VirtioBlockCounter.BytesWritten, readableData);
        return new Outcome(VirtioBlockStatus.Ok, 0);
    }

    /// <summary>§5.2.6: the sector field of a flush is ignored, and a flush carries no data (any is ignored).</summary>
    private Outcome Flush(DescriptorChain chain)
    {
        try
        {
            _image.Flush();
        }
        catch (Exception e) when (IsHostIoFailure(e))
        {
            return HostError(chain, e, "flush failed", 0);
        }
        Counters.Increment(VirtioBlockCounter.Flushes);
        return new Outcome(VirtioBlockStatus.Ok, 0);
    }

    /// <summary>§5.2.6: GET_ID writes the 20-byte serial (VIRTIO_BLK_ID_BYTES) into a device-writable buffer of 20 bytes.</summary>
    private Outcome GetId(DescriptorChain chain, uint readableData, uint writableData)
    {
        if (readableData != 0 || writableData < DiskImageFile.SerialLength)
        {
            return Malformed(chain, "a GET_ID request needs 20 device-writable data bytes and no device-readable ones; it has {Length} writable",
                writableData);
        }
        Span<byte> serial = stackalloc byte[DiskImageFile.SerialLength];
        serial.Clear();
        ReadOnlySpan<byte> id = _image.Serial.Span;
        id[..Math.Min(id.Length, serial.Length)].CopyTo(serial);
        int written = chain.WriteWritable(serial);
        Counters.Increment(VirtioBlockCounter.GetIds);
        return new Outcome(VirtioBlockStatus.Ok, (uint)written);
    }

    private Outcome Unsupported(DescriptorChain chain, VirtioBlockRequestType type)
    {
        Counters.Increment(VirtioBlockCounter.UnsupportedRequests);
        WarnGuest("request at head {Head} has unsupported type {Type}; answered UNSUPP", chain.HeadIndex, (uint)type);
        return new Outcome(VirtioBlockStatus.Unsupported, 0);
    }

    /// <summary>
    /// IN and OUT: the data is whole sectors (§5.2.6.1 "the driver MUST NOT submit requests with a data length not a
    /// multiple of 512") and lies inside the capacity; anything else is answered IOERR. Overflow-safe for any sector.
    /// </summary>
    private bool CheckRange(DescriptorChain chain, ulong sector, uint dataLength, out ulong offset, out Outcome rejected)
    {
        offset = 0;
        if (dataLength % SectorSize != 0)
        {
            rejected = Malformed(chain, "its data is {Length} bytes, not a whole number of 512-byte sectors", dataLength);
            return false;
        }
        ulong sectors = dataLength / SectorSize;
        if (sector > CapacitySectors || sectors > CapacitySectors - sector)
        {
            Counters.Increment(VirtioBlockCounter.OutOfRangeRequests);
            WarnGuest("request at head {Head} for {Sectors} sector(s) at sector {Sector} goes past the capacity of {Capacity} sectors; answered IOERR",
                chain.HeadIndex, sectors, sector, CapacitySectors);
            rejected = new Outcome(VirtioBlockStatus.IoError, 0);
            return false;
        }
        offset = sector * SectorSize;
        rejected = default;
        return true;
    }

    private Outcome Malformed(DescriptorChain chain, string why, uint length)
    {
        Counters.Increment(VirtioBlockCounter.MalformedRequests);
        if (_guestWarnings.TryEnter(out long suppressed))
        {
            _logger.Warning("virtio-blk: malformed request at head {Head}: " + why + "; answered IOERR ({Suppressed} similar warnings suppressed)",
                chain.HeadIndex, length, suppressed);
        }
        return new Outcome(VirtioBlockStatus.IoError, 0);
    }

    private Outcome HostError(DescriptorChain chain, Exception? error, string what, uint dataBytesWritten)
    {
        Counters.Increment(VirtioBlockCounter.HostIoErrors);
        if (_hostErrors.TryEnter(out long suppressed))
        {
            _logger.Error(error, "virtio-blk: host I/O error on {Image} (request at head {Head}): {What}; answered IOERR ({Suppressed} similar errors suppressed)",
                _image.Path, chain.HeadIndex, what, suppressed);
        }
        return new Outcome(VirtioBlockStatus.IoError, dataBytesWritten);
    }

    private void WarnGuest(string template, params object?[] values)
    {
        if (_guestWarnings.TryEnter(out long suppressed))
        {
            _logger.Warning("virtio-blk: " + template + " ({Suppressed} similar warnings suppressed)", [.. values, suppressed]);
        }
    }

    /// <summary>What a failing host file reports; anything else escaping is a device bug for the transport to catch.</summary>
    private static bool IsHostIoFailure(Exception e) =>
        e is IOException or UnauthorizedAccessException or ObjectDisposedException or NotSupportedException;
}
