namespace Kata.Hypervisor.Api;

/// <summary>One outcome of <see cref="NdjsonLineReader.ReadLineAsync"/>; <see cref="Line"/> is set for <see cref="LineReadStatus.Line"/>.</summary>
public readonly record struct LineReadResult(LineReadStatus Status, byte[]? Line = null, long BufferedBytes = 0);
