namespace Kata.Container.Cgroups.Stats;

/// <summary>Bytes and operations read and written on one block device.</summary>
public sealed record IoDeviceStats(uint Major, uint Minor, ulong ReadBytes, ulong WriteBytes, ulong ReadOperations, ulong WriteOperations);
