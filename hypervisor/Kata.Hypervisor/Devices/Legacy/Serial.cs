using Serilog;

namespace Kata.Hypervisor.Devices.Legacy;

/// <summary>
/// An NS16550A UART (8250 family) as COM1: ports 0x3f8..0x3ff, IRQ 4. It implements the registers the Linux 8250
/// driver probes and drives (drivers/tty/serial/8250/8250_port.c: autoconfig, serial8250_do_startup,
/// serial8250_handle_irq), modelled on rust-vmm vm-superio's serial.rs used by Firecracker
/// (src/vmm/src/devices/legacy/serial.rs). Register layout and bits follow the NS16550A datasheet (Table 2,
/// "Register Summary") and include/uapi/linux/serial_reg.h.
/// <para>
/// Output written to THR goes to an optional host <see cref="Stream"/> through <see cref="SerialOutputWriter"/>,
/// which never blocks the vCPU. Input comes from <see cref="EnqueueInput"/> into a bounded 64-byte receive FIFO.
/// Interrupts are edges on an <see cref="IInterruptLine"/>: one each time an enabled interrupt source becomes pending.
/// OUT2 does not gate the line (as in vm-superio). Wide accesses are split into byte cycles, as an 8-bit ISA device
/// sees them; bytes past the eight ports read 0xff (nothing drives the bus) and their writes are dropped.
/// </para>
/// Thread-safe: every register access, and input from the host, takes the device lock.
/// </summary>
public sealed class Serial : IBusDevice, IDisposable
{
    /// <summary>Base I/O port of COM1, where the VMM registers this device.</summary>
    public const ushort Com1Port = 0x3f8;

    /// <summary>Number of I/O ports the UART decodes.</summary>
    public const int PortCount = 8;

    /// <summary>Receive FIFO size (vm-superio's FIFO_SIZE); input beyond it is an overrun.</summary>
    public const int FifoSize = 64;

    // Register offsets (NS16550A datasheet Table 2; serial_reg.h UART_RX/TX, UART_IER, UART_IIR/FCR, ...).
    private const int DataOffset = 0; // RBR on read, THR on write; DLL while LCR.DLAB is set
    private const int IerOffset = 1; // DLM while LCR.DLAB is set
    private const int IirFcrOffset = 2; // IIR on read, FCR on write
    private const int LcrOffset = 3;
    private const int McrOffset = 4;
    private const int LsrOffset = 5;
    private const int MsrOffset = 6;
    private const int ScrOffset = 7;

    // IER bits (UART_IER_RDI, _THRI, _RLSI, _MSI). Only the low nibble exists on a 16550A; Linux's autoconfig
    // writes 0x0f and expects exactly 0x0f back.
    private const byte IerReceivedData = 0x01;
    private const byte IerThrEmpty = 0x02;
    private const byte IerLineStatus = 0x04;
    private const byte IerModemStatus = 0x08;
    private const byte IerValidBits = 0x0f;

    // IIR interrupt identification, by priority (datasheet Table 4): RLS > RDA > THRE > modem status.
    private const byte IirNoInterrupt = 0x01;
    private const byte IirModemStatus = 0x00;
    private const byte IirThrEmpty = 0x02;
    private const byte IirReceivedData = 0x04;
    private const byte IirLineStatus = 0x06;
    private const byte IirIdMask = 0x0f;
    // IIR bits 7:6 read 11 while FCR bit 0 enables the FIFOs; Linux's autoconfig reads them to find a 16550A.
    private const byte IirFifosEnabled = 0xc0;

    // FCR bits (UART_FCR_ENABLE_FIFO, _CLEAR_RCVR, _CLEAR_XMIT).
    private const byte FcrEnableFifo = 0x01;
    private const byte FcrClearReceive = 0x02;

    private const byte LcrDivisorLatchAccess = 0x80;

    // MCR bits (UART_MCR_DTR, _RTS, _OUT1, _OUT2, _LOOP).
    private const byte McrDtr = 0x01;
    private const byte McrRts = 0x02;
    private const byte McrOut1 = 0x04;
    private const byte McrOut2 = 0x08;
    private const byte McrLoop = 0x10;
    private const byte McrValidBits = 0x1f;

    // LSR bits (UART_LSR_DR, _OE, _THRE, _TEMT). A virtual transmitter is always empty.
    private const byte LsrDataReady = 0x01;
    private const byte LsrOverrun = 0x02;
    private const byte LsrThrEmpty = 0x20;
    private const byte LsrTransmitterEmpty = 0x40;

    // MSR bits (UART_MSR_DCTS, _DDSR, _TERI, _DDCD, _CTS, _DSR, _RI, _DCD).
    private const byte MsrDeltaCts = 0x01;
    private const byte MsrDeltaDsr = 0x02;
    private const byte MsrTrailingEdgeRi = 0x04;
    private const byte MsrDeltaDcd = 0x08;
    private const byte MsrCts = 0x10;
    private const byte MsrDsr = 0x20;
    private const byte MsrRi = 0x40;
    private const byte MsrDcd = 0x80;
    /// <summary>Modem inputs of a connected, ready line (vm-superio DEFAULT_MODEM_STATUS).</summary>
    private const byte DefaultModemInputs = MsrDcd | MsrDsr | MsrCts;

    // Pending-source bits, used to detect a newly pending enabled source (an interrupt edge).
    private const int SourceLineStatus = 1;
    private const int SourceReceivedData = 2;
    private const int SourceThrEmpty = 4;
    private const int SourceModemStatus = 8;

    private readonly object _lock = new();
    private readonly IInterruptLine _interrupt;
    private readonly ILogger _logger;
    private readonly SerialOutputWriter? _output;
    private readonly byte[] _receiveFifo = new byte[FifoSize];
    private int _receiveHead;
    private int _receiveCount;

    private byte _divisorLow = 0x0c; // 9600 baud at 1.8432 MHz, vm-superio's default
    private byte _divisorHigh;
    private byte _interruptEnable;
    private bool _fifosEnabled;
    private byte _lineControl = 0x03; // 8N1
    private byte _modemControl = McrOut2; // vm-superio's default: OUT2 set, as PC firmware leaves it
    private byte _scratch;
    private bool _overrun;
    private bool _thrEmptyPending;
    private byte _modemStatusDelta;

    private long _bytesOut;
    private long _inputBytesDropped;
    private long _interruptFailures;
    private int _interruptFailureLogged;

    /// <param name="interrupt">The UART's interrupt line (IRQ 4 for COM1).</param>
    /// <param name="sink">Where the guest's output goes; null discards it. Not owned: dispose this device first.</param>
    /// <param name="logger">For sink and interrupt failures (each logged once).</param>
    public Serial(IInterruptLine interrupt, Stream? sink, ILogger logger)
    {
        _interrupt = interrupt;
        _logger = logger;
        _output = sink is null ? null : new SerialOutputWriter(sink, logger);
    }

    /// <summary>Bytes the guest transmitted through THR (loopback excluded), whether or not a sink took them.</summary>
    public long BytesOut => Interlocked.Read(ref _bytesOut);

    /// <summary>Input bytes lost: host input beyond the FIFO, input while in loopback, loopback overruns.</summary>
    public long InputBytesDropped => Interlocked.Read(ref _inputBytesDropped);

    /// <summary>Output bytes the sink did not take (stuck or failing sink).</summary>
    public long OutputBytesDropped => _output?.BytesDropped ?? 0;

    /// <summary>Sink writes that threw.</summary>
    public long OutputWriteFailures => _output?.WriteFailures ?? 0;

    /// <summary>Interrupt line triggers that threw (the guest then relies on polling).</summary>
    public long InterruptFailures => Interlocked.Read(ref _interruptFailures);

    /// <summary>Free space in the receive FIFO; an input pump waits for it instead of overrunning.</summary>
    public int InputSpaceAvailable
    {
        get
        {
            lock (_lock)
            {
                return FifoSize - _receiveCount;
            }
        }
    }

    public void Read(ulong offset, Span<byte> data)
    {
        lock (_lock)
        {
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = offset < PortCount && (ulong)i < PortCount - offset ? ReadRegister((int)offset + i) : (byte)0xff;
            }
        }
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            for (int i = 0; i < data.Length; i++)
            {
                if (offset < PortCount && (ulong)i < PortCount - offset)
                {
                    WriteRegister((int)offset + i, data[i]);
                }
            }
        }
    }

    /// <summary>
    /// Host input for the guest: appended to the receive FIFO as far as it has room. The rest is dropped, counted
    /// in <see cref="InputBytesDropped"/>, and reported to the guest as an overrun (LSR.OE), as the datasheet
    /// describes for a character arriving at a full FIFO. In loopback mode the serial input is disconnected, so
    /// everything is dropped. Returns the number of bytes accepted.
    /// </summary>
    public int EnqueueInput(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return 0;
        }
        lock (_lock)
        {
            if ((_modemControl & McrLoop) != 0)
            {
                Interlocked.Add(ref _inputBytesDropped, input.Length);
                return 0;
            }
            int before = PendingSources();
            int accepted = Math.Min(FifoSize - _receiveCount, input.Length);
            for (int i = 0; i < accepted; i++)
            {
                _receiveFifo[(_receiveHead + _receiveCount++) % FifoSize] = input[i];
            }
            if (accepted < input.Length)
            {
                _overrun = true;
                Interlocked.Add(ref _inputBytesDropped, input.Length - accepted);
            }
            RaiseOnNewSource(before);
            return accepted;
        }
    }

    /// <summary>Waits until the output written so far has reached the sink; false on timeout or without a sink.</summary>
    public bool Flush(TimeSpan timeout) => _output?.Flush(timeout) ?? false;

    /// <summary>Writes pending output (bounded wait) and stops the output thread. The sink stays open.</summary>
    public void Dispose() => _output?.Dispose();

    private bool DivisorLatchAccess => (_lineControl & LcrDivisorLatchAccess) != 0;

    private bool Loopback => (_modemControl & McrLoop) != 0;

    private byte ReadRegister(int offset)
    {
        switch (offset)
        {
            case DataOffset when DivisorLatchAccess:
                return _divisorLow;
            case IerOffset when DivisorLatchAccess:
                return _divisorHigh;
            case DataOffset:
                return ReadReceiveBuffer();
            case IerOffset:
                return _interruptEnable;
            case IirFcrOffset:
                return ReadInterruptIdentification();
            case LcrOffset:
                return _lineControl;
            case McrOffset:
                return _modemControl;
            case LsrOffset:
                return ReadLineStatus();
            case MsrOffset:
                return ReadModemStatus();
            case ScrOffset:
                return _scratch;
            default:
                return 0xff;
        }
    }

    private void WriteRegister(int offset, byte value)
    {
        int before = PendingSources();
        switch (offset)
        {
            case DataOffset when DivisorLatchAccess:
                _divisorLow = value;
                break;
            case IerOffset when DivisorLatchAccess:
                _divisorHigh = value;
                break;
            case DataOffset:
                Transmit(value);
                break;
            case IerOffset:
                WriteInterruptEnable(value);
                break;
            case IirFcrOffset:
                WriteFifoControl(value);
                break;
            case LcrOffset:
                _lineControl = value;
                break;
            case McrOffset:
                WriteModemControl(value);
                break;
            case ScrOffset:
                _scratch = value;
                break;
            default:
                // LSR and MSR are read-only (datasheet: writes to them are for factory test only).
                break;
        }
        RaiseOnNewSource(before);
    }

    private void Transmit(byte value)
    {
        if (Loopback)
        {
            // Loopback (datasheet §8.6, MCR bit 4): the transmitter output is wired to the receiver input.
            if (_receiveCount == FifoSize)
            {
                _overrun = true;
                Interlocked.Increment(ref _inputBytesDropped);
            }
            else
            {
                _receiveFifo[(_receiveHead + _receiveCount++) % FifoSize] = value;
            }
        }
        else
        {
            Interlocked.Increment(ref _bytesOut);
            _output?.Append(value);
        }
        // The byte leaves THR at once, so THR is empty again: the THRE source is (re)asserted.
        _thrEmptyPending = true;
    }

    private void WriteInterruptEnable(byte value)
    {
        byte enabled = (byte)(value & IerValidBits);
        if ((enabled & IerThrEmpty) != 0 && (_interruptEnable & IerThrEmpty) == 0)
        {
            // Enabling ETBEI while THR is empty raises THRE at once (datasheet IER description; Linux's
            // serial8250_do_startup tests for exactly this, or marks the port UART_BUG_THRE).
            _thrEmptyPending = true;
        }
        _interruptEnable = enabled;
    }

    private void WriteFifoControl(byte value)
    {
        bool enable = (value & FcrEnableFifo) != 0;
        // Changing the FIFO enable bit resets the FIFOs (datasheet FCR bit 0); bit 1 clears the receive FIFO.
        if (enable != _fifosEnabled || (value & FcrClearReceive) != 0)
        {
            _receiveHead = 0;
            _receiveCount = 0;
        }
        _fifosEnabled = enable;
    }

    private void WriteModemControl(byte value)
    {
        byte inputsBefore = ModemInputs();
        _modemControl = (byte)(value & McrValidBits);
        byte inputsAfter = ModemInputs();
        byte changed = (byte)(inputsBefore ^ inputsAfter);
        // Delta bits (datasheet MSR bits 0-3): set when CTS, DSR or DCD change, and on RI's trailing edge.
        if ((changed & MsrCts) != 0)
        {
            _modemStatusDelta |= MsrDeltaCts;
        }
        if ((changed & MsrDsr) != 0)
        {
            _modemStatusDelta |= MsrDeltaDsr;
        }
        if ((changed & MsrDcd) != 0)
        {
            _modemStatusDelta |= MsrDeltaDcd;
        }
        if ((inputsBefore & MsrRi) != 0 && (inputsAfter & MsrRi) == 0)
        {
            _modemStatusDelta |= MsrTrailingEdgeRi;
        }
    }

    /// <summary>
    /// The modem inputs as MSR bits 7:4. In loopback they are wired to the MCR outputs (datasheet: DTR→DSR,
    /// RTS→CTS, OUT1→RI, OUT2→DCD); Linux's autoconfig sets LOOP|OUT2|RTS and expects DCD|CTS back.
    /// </summary>
    private byte ModemInputs()
    {
        if (!Loopback)
        {
            return DefaultModemInputs;
        }
        byte inputs = 0;
        if ((_modemControl & McrDtr) != 0)
        {
            inputs |= MsrDsr;
        }
        if ((_modemControl & McrRts) != 0)
        {
            inputs |= MsrCts;
        }
        if ((_modemControl & McrOut1) != 0)
        {
            inputs |= MsrRi;
        }
        if ((_modemControl & McrOut2) != 0)
        {
            inputs |= MsrDcd;
        }
        return inputs;
    }

    private byte ReadReceiveBuffer()
    {
        if (_receiveCount == 0)
        {
            return 0;
        }
        byte value = _receiveFifo[_receiveHead];
        _receiveHead = (_receiveHead + 1) % FifoSize;
        _receiveCount--;
        return value;
    }

    private byte ReadInterruptIdentification()
    {
        byte id = CurrentInterruptId();
        // Reading IIR while it reports THRE clears that source (datasheet Table 4, "Reading the IIR register
        // (if source of interrupt)"); the other sources clear when their cause is serviced.
        if (id == IirThrEmpty)
        {
            _thrEmptyPending = false;
        }
        return (byte)(id | (_fifosEnabled ? IirFifosEnabled : 0));
    }

    private byte ReadLineStatus()
    {
        byte status = LsrThrEmpty | LsrTransmitterEmpty;
        if (_receiveCount > 0)
        {
            status |= LsrDataReady;
        }
        if (_overrun)
        {
            status |= LsrOverrun;
            _overrun = false; // OE clears when LSR is read (datasheet LSR bit 1)
        }
        return status;
    }

    private byte ReadModemStatus()
    {
        byte status = (byte)(ModemInputs() | _modemStatusDelta);
        _modemStatusDelta = 0; // the delta bits clear when MSR is read
        return status;
    }

    /// <summary>The highest-priority enabled pending source, as IIR bits 3:0.</summary>
    private byte CurrentInterruptId()
    {
        int pending = PendingSources();
        if ((pending & SourceLineStatus) != 0)
        {
            return IirLineStatus;
        }
        if ((pending & SourceReceivedData) != 0)
        {
            return IirReceivedData;
        }
        if ((pending & SourceThrEmpty) != 0)
        {
            return IirThrEmpty;
        }
        if ((pending & SourceModemStatus) != 0)
        {
            return IirModemStatus;
        }
        return IirNoInterrupt;
    }

    private int PendingSources()
    {
        int pending = 0;
        if ((_interruptEnable & IerLineStatus) != 0 && _overrun)
        {
            pending |= SourceLineStatus;
        }
        if ((_interruptEnable & IerReceivedData) != 0 && _receiveCount > 0)
        {
            pending |= SourceReceivedData;
        }
        if ((_interruptEnable & IerThrEmpty) != 0 && _thrEmptyPending)
        {
            pending |= SourceThrEmpty;
        }
        if ((_interruptEnable & IerModemStatus) != 0 && _modemStatusDelta != 0)
        {
            pending |= SourceModemStatus;
        }
        return pending;
    }

    /// <summary>
    /// Sends an edge when an enabled source became pending. A source that stays pending needs no new edge: the
    /// 8250 interrupt handler loops on IIR until it reads "no interrupt" (serial8250_interrupt).
    /// </summary>
    private void RaiseOnNewSource(int before)
    {
        if ((PendingSources() & ~before) == 0)
        {
            return;
        }
        try
        {
            _interrupt.Trigger();
        }
        catch (Exception ex) // a failing irqfd must not turn a guest port write into a VMM crash
        {
            Interlocked.Increment(ref _interruptFailures);
            if (Interlocked.Exchange(ref _interruptFailureLogged, 1) == 0)
            {
                _logger.Error(ex, "Raising the serial interrupt failed; counting further failures");
            }
        }
    }
}
