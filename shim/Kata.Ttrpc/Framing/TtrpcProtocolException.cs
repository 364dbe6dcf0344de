namespace Kata.Ttrpc.Framing;

/// <summary>
/// The byte stream is not ttrpc (a reserved header byte set, a frame cut off by end of stream): the connection
/// cannot be resynchronised and is closed. Errors that concern one call are answered with a status instead.
/// </summary>
public sealed class TtrpcProtocolException : Exception
{
    public TtrpcProtocolException(string message)
        : base(message)
    {
    }

    public TtrpcProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
