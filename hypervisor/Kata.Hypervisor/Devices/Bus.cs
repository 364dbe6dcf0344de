namespace Kata.Hypervisor.Devices;

/// <summary>
/// Routes guest accesses by address to the device registered for that range (one bus for port I/O, one for MMIO).
/// Ranges may not overlap. Lookups are a binary search over an immutable sorted array, so vCPU threads read it
/// without locks; registration (at VM build time) replaces the array.
/// </summary>
public sealed class Bus
{
    private readonly object _registrationLock = new();
    private BusRange[] _ranges = [];

    public Bus(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public IReadOnlyList<BusRange> Ranges => _ranges;

    public void Register(ulong start, ulong length, IBusDevice device)
    {
        if (length == 0 || start > ulong.MaxValue - (length - 1))
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"{Name} bus range 0x{start:x}+0x{length:x} is empty or wraps");
        }
        var range = new BusRange(start, length, device);
        lock (_registrationLock)
        {
            foreach (BusRange existing in _ranges)
            {
                if (existing.Overlaps(range))
                {
                    throw new ArgumentException($"{Name} bus range {range} overlaps {existing}");
                }
            }
            _ranges = [.. _ranges.Append(range).OrderBy(r => r.Start)];
        }
    }

    /// <summary>Finds the device for <paramref name="address"/>, or null when nothing is there.</summary>
    public BusRange? Find(ulong address)
    {
        BusRange[] ranges = Volatile.Read(ref _ranges);
        int lo = 0, hi = ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            BusRange range = ranges[mid];
            if (address < range.Start)
            {
                hi = mid - 1;
            }
            else if (address - range.Start >= range.Length)
            {
                lo = mid + 1;
            }
            else
            {
                return range;
            }
        }
        return null;
    }

    /// <summary>Dispatches a read; false when no device claims the address (the data is then all ones, as on real hardware).</summary>
    public bool Read(ulong address, Span<byte> data)
    {
        if (Find(address) is not { } range)
        {
            data.Fill(0xff);
            return false;
        }
        range.Device.Read(address - range.Start, data);
        return true;
    }

    /// <summary>Dispatches a write; false when no device claims the address (the write is dropped).</summary>
    public bool Write(ulong address, ReadOnlySpan<byte> data)
    {
        if (Find(address) is not { } range)
        {
            return false;
        }
        range.Device.Write(address - range.Start, data);
        return true;
    }
}
