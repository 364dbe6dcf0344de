using Google.Protobuf.WellKnownTypes;
using Kata.Ttrpc.Protocol;

namespace Kata.Ttrpc;

/// <summary>
/// A ttrpc call that ended with a status other than OK. Thrown by the client for a non-OK response; thrown by a
/// service handler to answer with a specific code (any other exception becomes UNKNOWN, see <see cref="StatusMapping"/>).
/// </summary>
public sealed class TtrpcException : Exception
{
    public TtrpcException(StatusCode statusCode, string detail)
        : this(statusCode, detail, [], null)
    {
    }

    public TtrpcException(StatusCode statusCode, string detail, Exception? innerException)
        : this(statusCode, detail, [], innerException)
    {
    }

    private TtrpcException(StatusCode statusCode, string detail, IReadOnlyList<Any> details, Exception? innerException)
        : base($"ttrpc: {statusCode}: {detail}", innerException)
    {
        if (statusCode == StatusCode.OK)
        {
            throw new ArgumentException("a TtrpcException cannot carry status OK", nameof(statusCode));
        }

        StatusCode = statusCode;
        Detail = detail;
        Details = details;
    }

    /// <summary>The status code (a gRPC code).</summary>
    public StatusCode StatusCode { get; }

    /// <summary>The status message as sent on the wire, without the code prefix.</summary>
    public string Detail { get; }

    /// <summary>google.rpc.Status details the peer attached (usually none).</summary>
    public IReadOnlyList<Any> Details { get; }

    internal static TtrpcException FromStatus(Status status)
    {
        var code = System.Enum.IsDefined((StatusCode)status.Code) ? (StatusCode)status.Code : StatusCode.Unknown;
        if (code == StatusCode.OK)
        {
            throw new ArgumentException("status OK is not an error", nameof(status));
        }

        return new TtrpcException(code, status.Message, status.Details.ToArray(), null);
    }

    internal Status ToStatus()
    {
        var status = new Status { Code = (int)StatusCode, Message = Detail };
        status.Details.AddRange(Details);
        return status;
    }
}
