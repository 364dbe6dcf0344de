namespace Kata.Ttrpc.Framing;

/// <summary>One received frame: its header and its data (exactly Header.Length bytes).</summary>
public readonly record struct Frame(FrameHeader Header, ReadOnlyMemory<byte> Data);
