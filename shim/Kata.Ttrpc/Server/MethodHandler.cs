using Google.Protobuf;

namespace Kata.Ttrpc.Server;

/// <summary>
/// One registered method. The shape flags decide the stream handling (ttrpc services.go Stream{StreamingClient,
/// StreamingServer}); <see cref="Invoke"/> returns the message for the final frame, or null for none.
/// </summary>
internal sealed record MethodHandler(string Name, bool StreamingClient, bool StreamingServer, Func<ServerCall, Task<IMessage?>> Invoke);
