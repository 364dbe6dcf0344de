namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>The CPU mode a tiny guest starts in.</summary>
public enum TinyGuestMode
{
    /// <summary>16-bit real mode: CS:IP = 0x1000:0, DS = ES = 0x2000.</summary>
    Real,
    /// <summary>32-bit flat protected mode, paging off.</summary>
    Protected32,
    /// <summary>64-bit long mode, 0..4 GiB identity-mapped.</summary>
    Long64,
}
