namespace Kata.Hypervisor.Devices;

/// <summary>An address range [Start, Start+Length) on a <see cref="Bus"/> and the device behind it.</summary>
public sealed record BusRange(ulong Start, ulong Length, IBusDevice Device)
{
    public bool Overlaps(BusRange other) =>
        Start <= other.Start + (other.Length - 1) && other.Start <= Start + (Length - 1);

    public override string ToString() => $"[0x{Start:x}, 0x{Start + Length:x}) {Device.GetType().Name}";
}
