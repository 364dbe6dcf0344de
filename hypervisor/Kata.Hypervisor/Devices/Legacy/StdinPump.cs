using Serilog;

namespace Kata.Hypervisor.Devices.Legacy;

/// <summary>
/// Forwards a host input stream (by default this process's stdin) to the guest's UART on a dedicated thread. It
/// waits for room in the 64-byte receive FIFO rather than overrunning it, so a paste reaches the guest whole at the
/// pace the guest drains it. Putting a terminal into raw mode is the caller's business.
/// Created only when asked (the VMM's SerialInputFromStdin); the thread starts in the constructor.
/// </summary>
public sealed class StdinPump : IDisposable
{
    /// <summary>How often to look for FIFO room while the guest is not reading.</summary>
    private static readonly TimeSpan FifoPollInterval = TimeSpan.FromMilliseconds(2);

    private readonly Serial _serial;
    private readonly Stream _input;
    private readonly bool _ownsInput;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private long _bytesPumped;

    /// <summary>Pumps this process's stdin into <paramref name="serial"/>.</summary>
    public StdinPump(Serial serial)
        : this(serial, Console.OpenStandardInput(), ownsInput: true, Serilog.Core.Logger.None)
    {
    }

    /// <summary>Pumps <paramref name="input"/> (not owned) into <paramref name="serial"/>.</summary>
    public StdinPump(Serial serial, Stream input, ILogger logger)
        : this(serial, input, ownsInput: false, logger)
    {
    }

    private StdinPump(Serial serial, Stream input, bool ownsInput, ILogger logger)
    {
        _serial = serial;
        _input = input;
        _ownsInput = ownsInput;
        _logger = logger;
        _thread = new Thread(PumpLoop) { IsBackground = true, Name = "serial-stdin" };
        _thread.Start();
    }

    /// <summary>Bytes handed to the UART so far.</summary>
    public long BytesPumped => Interlocked.Read(ref _bytesPumped);

    /// <summary>True once the input reached end of file or failed, or the pump was disposed.</summary>
    public bool Completed => !_thread.IsAlive;

    /// <summary>Waits for the input to be fully pumped (end of file); false on timeout.</summary>
    public bool WaitForCompletion(TimeSpan timeout) => _thread.Join(timeout);

    /// <summary>
    /// Stops forwarding. A read blocked on a terminal cannot be interrupted; the background thread then ends at the
    /// next input or with the process, and forwards nothing more.
    /// </summary>
    public void Dispose()
    {
        _stopping = true;
        if (_ownsInput)
        {
            _input.Dispose();
        }
    }

    private void PumpLoop()
    {
        byte[] buffer = new byte[Serial.FifoSize];
        try
        {
            while (!_stopping)
            {
                int read = _input.Read(buffer, 0, buffer.Length);
                if (read == 0)
                {
                    return; // end of file
                }
                int offset = 0;
                while (offset < read && !_stopping)
                {
                    int room = _serial.InputSpaceAvailable;
                    if (room == 0)
                    {
                        Thread.Sleep(FifoPollInterval);
                        continue;
                    }
                    int chunk = Math.Min(room, read - offset);
                    int accepted = _serial.EnqueueInput(buffer.AsSpan(offset, chunk));
                    // Zero with room means loopback mode, which disconnects the serial input: the UART dropped and
                    // counted the chunk, so move past it.
                    offset += accepted == 0 ? chunk : accepted;
                    Interlocked.Add(ref _bytesPumped, accepted);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            if (!_stopping)
            {
                _logger.Warning(ex, "Reading serial input from the host failed; guest console input stops");
            }
        }
    }
}
