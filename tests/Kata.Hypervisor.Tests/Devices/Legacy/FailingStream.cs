namespace Kata.Hypervisor.Tests.Devices.Legacy;

/// <summary>A sink whose every write fails, like a closed pipe.</summary>
internal sealed class FailingStream : Stream
{
    public int WriteAttempts;

    public override void Write(byte[] buffer, int offset, int count)
    {
        Interlocked.Increment(ref WriteAttempts);
        throw new IOException("Broken pipe");
    }

    public override void Flush()
    {
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
