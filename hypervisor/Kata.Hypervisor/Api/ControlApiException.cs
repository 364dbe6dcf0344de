namespace Kata.Hypervisor.Api;

/// <summary>
/// The control API failed: the server could not take its socket, the server answered <c>"ok":false</c> (the message
/// is its <c>error</c>), or the connection broke.
/// </summary>
public sealed class ControlApiException : Exception
{
    public ControlApiException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
