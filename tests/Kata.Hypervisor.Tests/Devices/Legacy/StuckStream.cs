namespace Kata.Hypervisor.Tests.Devices.Legacy;

/// <summary>A sink whose writes block until released, like a pipe nobody reads.</summary>
internal sealed class StuckStream : Stream
{
    private readonly ManualResetEventSlim _release = new(false);

    public void Release() => _release.Set();

    public override void Write(byte[] buffer, int offset, int count) => _release.Wait();

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
