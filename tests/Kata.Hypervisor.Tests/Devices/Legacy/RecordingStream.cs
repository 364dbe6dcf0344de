namespace Kata.Hypervisor.Tests.Devices.Legacy;

/// <summary>A write-only sink that records what reached it; safe to inspect while the writer thread writes.</summary>
internal sealed class RecordingStream : Stream
{
    private readonly object _lock = new();
    private readonly MemoryStream _data = new();

    public byte[] Snapshot()
    {
        lock (_lock)
        {
            return _data.ToArray();
        }
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        lock (_lock)
        {
            _data.Write(buffer, offset, count);
        }
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
