namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>How a <see cref="TinyGuest"/> VM is built.</summary>
public sealed record TinyGuestOptions
{
    public ulong MemoryBytes { get; init; } = TinyGuestLayout.DefaultMemoryBytes;

    /// <summary>Create the in-kernel irqchip (PIC, IOAPIC, LAPIC) and PIT, as the product VM does.</summary>
    public bool Irqchip { get; init; }

    /// <summary>How long a run may take before the vCPU is kicked out and the test fails.</summary>
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
