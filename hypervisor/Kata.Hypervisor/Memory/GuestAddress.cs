namespace Kata.Hypervisor.Memory;

/// <summary>A guest physical address. Arithmetic is checked: a guest-supplied address cannot wrap silently.</summary>
public readonly record struct GuestAddress(ulong Value) : IComparable<GuestAddress>
{
    public static readonly GuestAddress Zero = new(0);

    /// <summary>This address plus <paramref name="offset"/>, or null if the sum overflows 64 bits.</summary>
    public GuestAddress? CheckedAdd(ulong offset) =>
        Value > ulong.MaxValue - offset ? null : new GuestAddress(Value + offset);

    /// <summary>This address plus <paramref name="offset"/>; throws on overflow (for host-chosen addresses).</summary>
    public GuestAddress Add(ulong offset) => CheckedAdd(offset) ?? throw new OverflowException($"{this} + 0x{offset:x} overflows");

    public ulong OffsetFrom(GuestAddress start) => checked(Value - start.Value);

    public GuestAddress AlignUp(ulong alignment) => new((Value + alignment - 1) & ~(alignment - 1));

    public GuestAddress AlignDown(ulong alignment) => new(Value & ~(alignment - 1));

    public int CompareTo(GuestAddress other) => Value.CompareTo(other.Value);

    public static bool operator <(GuestAddress a, GuestAddress b) => a.Value < b.Value;
    public static bool operator >(GuestAddress a, GuestAddress b) => a.Value > b.Value;
    public static bool operator <=(GuestAddress a, GuestAddress b) => a.Value <= b.Value;
    public static bool operator >=(GuestAddress a, GuestAddress b) => a.Value >= b.Value;

    public override string ToString() => $"0x{Value:x}";
}
