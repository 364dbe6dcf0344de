using Kata.Ttrpc.Protocol;

namespace Kata.Ttrpc;

/// <summary>
/// The one place where a handler's exception becomes a call status (the service boundary). Mirrors ttrpc's
/// convertCode (services.go): a TtrpcException keeps its code, well-known failures get the matching code, the rest
/// is UNKNOWN with the exception's message.
/// </summary>
internal static class StatusMapping
{
    public static Status Ok { get; } = new() { Code = (int)StatusCode.OK };

    public static Status FromException(Exception exception) => exception switch
    {
        TtrpcException ttrpc => ttrpc.ToStatus(),
        FileNotFoundException or DirectoryNotFoundException => Create(StatusCode.NotFound, exception.Message),
        UnauthorizedAccessException => Create(StatusCode.PermissionDenied, exception.Message),
        NotImplementedException or NotSupportedException => Create(StatusCode.Unimplemented, exception.Message),
        ArgumentException => Create(StatusCode.InvalidArgument, exception.Message),
        TimeoutException => Create(StatusCode.DeadlineExceeded, exception.Message),
        _ => Create(StatusCode.Unknown, exception.Message),
    };

    public static Status Create(StatusCode code, string message) => new() { Code = (int)code, Message = message };
}
