namespace Kata.Cli.Interop;

/// <summary>
/// A stream straight over read(2)/write(2) on an inherited descriptor (0, 1, 2). FileStream is wrong here: on a
/// regular file it writes with pwrite at a position of its own, so output redirected to a file (`> out.txt`) would
/// overwrite what others write through the same shared file description instead of following it.
/// </summary>
public sealed unsafe class DescriptorStream : Stream
{
    private readonly int _fd;
    private readonly bool _read;

    public DescriptorStream(int fd, bool read)
    {
        _fd = fd;
        _read = read;
    }

    public override bool CanRead => _read;
    public override bool CanWrite => !_read;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        fixed (byte* data = buffer)
        {
            while (true)
            {
                nint read = CliLibc.Read(_fd, data, (nuint)buffer.Length);
                if (read >= 0)
                {
                    return (int)read;
                }
                SyscallException error = Errno.Exception($"read fd {_fd}");
                if (error.Errno != Errno.EINTR)
                {
                    throw error;
                }
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* data = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint written = CliLibc.Write(_fd, data + done, (nuint)(buffer.Length - done));
                if (written >= 0)
                {
                    done += (int)written;
                    continue;
                }
                SyscallException error = Errno.Exception($"write fd {_fd}");
                if (error.Errno != Errno.EINTR)
                {
                    throw error;
                }
            }
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
