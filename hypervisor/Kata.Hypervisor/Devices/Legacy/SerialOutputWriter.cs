using Serilog;

namespace Kata.Hypervisor.Devices.Legacy;

/// <summary>
/// Carries the UART's transmitted bytes to a host <see cref="Stream"/> without ever blocking the vCPU thread.
/// The vCPU appends into a bounded buffer (never waits on I/O); a dedicated writer thread drains it when a line is
/// complete, when <see cref="LineFlushThreshold"/> bytes have piled up, or after <see cref="PartialLineDelay"/> for a
/// partial line (a shell prompt has no newline). If the sink is stuck the buffer fills and further output is dropped
/// and counted; if the sink throws, the chunk is dropped and counted. Either is logged once.
/// The writer does not own the sink: whoever opened it closes it, after disposing this writer.
/// </summary>
internal sealed class SerialOutputWriter : IDisposable
{
    /// <summary>Hand a chunk to the writer once this many bytes wait without a newline.</summary>
    public const int LineFlushThreshold = 1024;

    /// <summary>Bytes that may wait for a slow sink before output is dropped.</summary>
    public const int MaxPendingBytes = 64 * 1024;

    /// <summary>A partial line is written after this delay.</summary>
    public static readonly TimeSpan PartialLineDelay = TimeSpan.FromMilliseconds(50);

    private readonly Stream _sink;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private readonly Thread _thread;
    private byte[] _fill = new byte[MaxPendingBytes];
    private byte[] _drain = new byte[MaxPendingBytes];
    private int _fillLength;
    private int _unsignalled;
    private bool _flushRequested;
    private bool _closed;
    private long _appended;
    private long _processed;
    private long _bytesDropped;
    private long _writeFailures;
    private int _stuckLogged;
    private int _failureLogged;

    public SerialOutputWriter(Stream sink, ILogger logger)
    {
        _sink = sink;
        _logger = logger;
        _thread = new Thread(WriterLoop) { IsBackground = true, Name = "serial-out" };
        _thread.Start();
    }

    /// <summary>Bytes discarded because the sink could not keep up or failed.</summary>
    public long BytesDropped => Interlocked.Read(ref _bytesDropped);

    /// <summary>Sink writes (or flushes) that threw.</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    /// <summary>Queues one byte; never blocks on I/O.</summary>
    public void Append(byte value)
    {
        lock (_lock)
        {
            if (_closed || _fillLength == MaxPendingBytes)
            {
                Interlocked.Increment(ref _bytesDropped);
                if (!_closed && Interlocked.Exchange(ref _stuckLogged, 1) == 0)
                {
                    _logger.Warning("Serial output sink is not keeping up ({PendingBytes} bytes pending); dropping guest console output",
                        MaxPendingBytes);
                }
                return;
            }
            _fill[_fillLength++] = value;
            _appended++;
            if (value == (byte)'\n' || ++_unsignalled >= LineFlushThreshold)
            {
                _unsignalled = 0;
                _flushRequested = true;
                Monitor.PulseAll(_lock); // the writer thread, and any Flush waiter
            }
            else if (_fillLength == 1)
            {
                Monitor.PulseAll(_lock); // the writer sleeps while empty: start its partial-line timer
            }
        }
    }

    /// <summary>Waits until every byte appended so far has reached the sink (or was dropped); false on timeout.</summary>
    public bool Flush(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_lock)
        {
            long target = _appended;
            _flushRequested = true;
            Monitor.PulseAll(_lock);
            while (_processed < target)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0 || !_thread.IsAlive)
                {
                    return false;
                }
                Monitor.Wait(_lock, TimeSpan.FromMilliseconds(left));
            }
            return true;
        }
    }

    /// <summary>Writes what is pending (waiting at most a second for a slow sink) and stops the writer thread.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
            Monitor.PulseAll(_lock);
        }
        // A sink blocked forever keeps the (background) thread; the VMM must not hang on it.
        _thread.Join(TimeSpan.FromSeconds(1));
    }

    private void WriterLoop()
    {
        while (true)
        {
            int length;
            lock (_lock)
            {
                while (true)
                {
                    if (_fillLength > 0 && (_flushRequested || _closed))
                    {
                        break;
                    }
                    if (_fillLength == 0 && _closed)
                    {
                        return;
                    }
                    if (_fillLength > 0)
                    {
                        if (!Monitor.Wait(_lock, PartialLineDelay))
                        {
                            break; // a partial line waited long enough
                        }
                    }
                    else
                    {
                        _flushRequested = false;
                        Monitor.Wait(_lock);
                    }
                }
                (_fill, _drain) = (_drain, _fill);
                length = _fillLength;
                _fillLength = 0;
                _unsignalled = 0;
                _flushRequested = false;
            }

            WriteChunk(length);

            lock (_lock)
            {
                _processed += length;
                Monitor.PulseAll(_lock);
            }
        }
    }

    private void WriteChunk(int length)
    {
        try
        {
            _sink.Write(_drain, 0, length);
            _sink.Flush();
        }
        catch (Exception ex) // any sink failure (closed pipe, disposed stream, full disk) must not kill this thread
        {
            Interlocked.Increment(ref _writeFailures);
            Interlocked.Add(ref _bytesDropped, length);
            if (Interlocked.Exchange(ref _failureLogged, 1) == 0)
            {
                _logger.Warning(ex, "Writing guest serial output failed; dropping that output ({Bytes} bytes) and counting further failures",
                    length);
            }
        }
    }
}
