using System.IO.Pipelines;
using Kata.Ttrpc.Framing;

namespace Kata.Ttrpc.Tests.Framing;

public sealed class FrameCodecTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Header_is_ten_big_endian_bytes()
    {
        var bytes = new byte[FrameHeader.Size];
        new FrameHeader(0x0102, 0x03040506, FrameType.Data, FrameFlags.RemoteClosed | FrameFlags.NoData).Write(bytes);

        Assert.Equal(new byte[] { 0, 0, 1, 2, 3, 4, 5, 6, 3, 5 }, bytes);
        Assert.Equal(new FrameHeader(0x0102, 0x03040506, FrameType.Data, FrameFlags.RemoteClosed | FrameFlags.NoData), FrameHeader.Read(bytes));
    }

    [Fact]
    public void Header_from_too_few_bytes_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => FrameHeader.Read(new byte[9]));
        Assert.Contains("10 bytes, got 9", error.Message);
    }

    [Fact]
    public async Task Reads_interleaved_frames_whole_or_split_across_writes()
    {
        var pipe = new Pipe();
        var reader = new FrameReader(pipe.Reader);
        byte[] first = Frame(1, FrameType.Request, [1, 2, 3]);
        byte[] second = Frame(3, FrameType.Data, []);
        byte[] third = Frame(1, FrameType.Data, [9, 8]);

        // Two frames in one write, then a third one byte at a time.
        await pipe.Writer.WriteAsync(first.Concat(second).ToArray(), Token);
        var a = await reader.ReadAsync(Token);
        var b = await reader.ReadAsync(Token);
        var pending = reader.ReadAsync(Token).AsTask();
        foreach (byte value in third)
        {
            Assert.False(pending.IsCompleted);
            await pipe.Writer.WriteAsync(new[] { value }, Token);
        }

        var c = await pending;
        await pipe.Writer.CompleteAsync();
        var end = await reader.ReadAsync(Token);

        Assert.Equal((1u, FrameType.Request), (a.Frame.Header.StreamId, a.Frame.Header.Type));
        Assert.Equal(new byte[] { 1, 2, 3 }, a.Frame.Data.ToArray());
        Assert.Equal((3u, FrameType.Data, 0), (b.Frame.Header.StreamId, b.Frame.Header.Type, b.Frame.Data.Length));
        Assert.Equal(new byte[] { 9, 8 }, c.Frame.Data.ToArray());
        Assert.Equal(FrameReadStatus.EndOfStream, end.Status);
    }

    [Fact]
    public async Task A_frame_of_exactly_four_mebibytes_is_accepted()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
        await pipe.Writer.WriteAsync(Frame(5, FrameType.Request, new byte[FrameHeader.MaxDataLength]), Token);
        var result = await new FrameReader(pipe.Reader).ReadAsync(Token);

        Assert.Equal(FrameReadStatus.Frame, result.Status);
        Assert.Equal(FrameHeader.MaxDataLength, result.Frame.Data.Length);
    }

    [Fact]
    public async Task An_oversized_frame_is_discarded_and_the_next_frame_is_read()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
        uint oversized = FrameHeader.MaxDataLength + 1;
        var header = new byte[FrameHeader.Size];
        new FrameHeader(oversized, 7, FrameType.Request, FrameFlags.None).Write(header);
        await pipe.Writer.WriteAsync(header, Token);
        await pipe.Writer.WriteAsync(new byte[oversized], Token);
        await pipe.Writer.WriteAsync(Frame(9, FrameType.Request, [42]), Token);
        var reader = new FrameReader(pipe.Reader);

        var dropped = await reader.ReadAsync(Token);
        var next = await reader.ReadAsync(Token);

        Assert.Equal(FrameReadStatus.Oversized, dropped.Status);
        Assert.Equal((oversized, 7u), (dropped.Frame.Header.Length, dropped.Frame.Header.StreamId));
        Assert.Equal(FrameReadStatus.Frame, next.Status);
        Assert.Equal(9u, next.Frame.Header.StreamId);
        Assert.Equal(new byte[] { 42 }, next.Frame.Data.ToArray());
    }

    [Fact]
    public async Task End_of_stream_inside_a_header_is_a_protocol_error()
    {
        var error = await ReadAfterAsync([0, 0, 0, 1, 0]);
        Assert.Contains("inside a frame header (5 of 10 bytes)", error.Message);
    }

    [Fact]
    public async Task End_of_stream_inside_the_data_is_a_protocol_error()
    {
        byte[] frame = Frame(11, FrameType.Request, [1, 2, 3, 4, 5, 6]);
        var error = await ReadAfterAsync(frame[..^2]);
        Assert.Contains("stream 11 announced 6 data bytes, got 4", error.Message);
    }

    [Fact]
    public async Task End_of_stream_while_discarding_an_oversized_frame_is_a_protocol_error()
    {
        var header = new byte[FrameHeader.Size];
        new FrameHeader(FrameHeader.MaxDataLength + 10, 13, FrameType.Request, FrameFlags.None).Write(header);
        var error = await ReadAfterAsync(header.Concat(new byte[100]).ToArray());
        Assert.Contains("discarding an oversized frame", error.Message);
    }

    [Fact]
    public async Task A_header_with_the_reserved_byte_set_is_not_ttrpc()
    {
        var error = await ReadAfterAsync("GET / HTTP/1.1\r\n"u8.ToArray());
        Assert.Contains("reserved first header byte is 0x47", error.Message);
    }

    [Fact]
    public async Task The_writer_refuses_oversized_data_without_writing()
    {
        var stream = new MemoryStream();
        var writer = new FrameWriter(stream);

        var error = await Assert.ThrowsAsync<TtrpcException>(async () =>
            await writer.WriteAsync(1, FrameType.Request, FrameFlags.None, new byte[FrameHeader.MaxDataLength + 1], Token));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("message length 4194305 exceed maximum message size of 4194304", error.Detail);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public async Task The_writer_sends_header_and_data_as_one_frame()
    {
        var stream = new MemoryStream();
        await new FrameWriter(stream).WriteAsync(3, FrameType.Response, FrameFlags.None, new byte[] { 7, 7 }, Token);
        Assert.Equal(new byte[] { 0, 0, 0, 2, 0, 0, 0, 3, 2, 0, 7, 7 }, stream.ToArray());
    }

    private static async Task<TtrpcProtocolException> ReadAfterAsync(byte[] bytes)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(bytes, Token);
        await pipe.Writer.CompleteAsync();
        return await Assert.ThrowsAsync<TtrpcProtocolException>(async () => await new FrameReader(pipe.Reader).ReadAsync(Token));
    }

    private static byte[] Frame(uint streamId, FrameType type, byte[] data)
    {
        var frame = new byte[FrameHeader.Size + data.Length];
        new FrameHeader((uint)data.Length, streamId, type, FrameFlags.None).Write(frame);
        data.CopyTo(frame, FrameHeader.Size);
        return frame;
    }
}
