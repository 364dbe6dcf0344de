namespace Kata.Ttrpc.Client;

/// <summary>Which sides of a call stream (ttrpc client.go StreamDesc).</summary>
public readonly record struct TtrpcStreamShape(bool StreamingClient, bool StreamingServer)
{
    public static TtrpcStreamShape ServerStreaming { get; } = new(false, true);

    public static TtrpcStreamShape ClientStreaming { get; } = new(true, false);

    public static TtrpcStreamShape Duplex { get; } = new(true, true);
}
