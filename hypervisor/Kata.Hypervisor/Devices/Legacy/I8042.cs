using Serilog;

namespace Kata.Hypervisor.Devices.Legacy;

/// <summary>
/// An i8042 keyboard controller with a minimal PS/2 keyboard behind it, enough for the machine-level uses of the
/// chip, modelled on Firecracker's src/vmm/src/devices/legacy/i8042.rs: the CPU reset line (Linux <c>reboot=k</c>
/// writes 0xFE to port 0x64) ends the VM through <c>onReset</c>, and <see cref="TriggerCtrlAltDel"/> asks a guest
/// with the Linux i8042/atkbd drivers to reboot gracefully.
/// <para>
/// Registration: one 5-port range at 0x60 (<see cref="BasePort"/>, <see cref="PortCount"/>), as Firecracker does:
/// offset 0 is the data port (0x60), offset 4 the status/command port (0x64). Offsets 1..3 (0x61..0x63) are not
/// ours and read 0xff; port 0x61 (system control port B) is claimed in the kernel by KVM_CREATE_PIT2's dummy
/// speaker device and never exits to the VMM.
/// </para>
/// <para>
/// Commands, status and command-byte bits follow the IBM PC AT/PS/2 8042 documentation (as summarised in Linux
/// drivers/input/serio/i8042.h and the OSDev "8042 PS/2 Controller" page). There is no auxiliary (mouse) device:
/// its port test fails and AT-style 0xD3 is not decoded, so Linux's i8042_check_aux gives up at once instead of
/// timing out. The keyboard answers the commands atkbd sends (ACK, reset BAT, ID), so atkbd probes without
/// timeouts. Keyboard bytes raise IRQ 1 one at a time while the command byte enables it (Linux's i8042_interrupt
/// reads one byte per interrupt); controller replies are polled by the driver and raise nothing.
/// </para>
/// Thread-safe: a lock per device; the reset callback runs outside the lock.
/// </summary>
public sealed class I8042 : IBusDevice
{
    /// <summary>First I/O port of the range the VMM registers (0x60..0x64).</summary>
    public const ushort BasePort = 0x60;

    /// <summary>Length of the registered port range.</summary>
    public const int PortCount = 5;

    /// <summary>Output buffer capacity (Firecracker's BUF_SIZE); more keyboard data is refused.</summary>
    public const int BufferSize = 16;

    private const int DataOffset = 0;
    private const int CommandOffset = 4;

    // Status register (port 0x64 read): I8042_STR_OBF, _IBF, _SYSFLAG, _CMDDAT, _KEYLOCK (1 = not inhibited).
    private const byte StatusOutputFull = 0x01;
    private const byte StatusSystemFlag = 0x04;
    private const byte StatusLastWriteWasCommand = 0x08;
    private const byte StatusKeyboardNotInhibited = 0x10;

    // Command byte ("CTR"): I8042_CTR_KBDINT, _AUXINT, _SYSFLAG, _KBDDIS, _AUXDIS, _XLATE.
    private const byte CommandByteKeyboardInterrupt = 0x01;
    private const byte CommandByteSystemFlag = 0x04;
    private const byte CommandByteKeyboardDisabled = 0x10;
    private const byte CommandByteAuxDisabled = 0x20;
    private const byte CommandByteTranslate = 0x40;

    /// <summary>
    /// What PC firmware leaves: keyboard interrupt on, system flag (POST passed), scancode translation on.
    /// Firecracker leaves translation off (0x05); either works with Linux as long as the scancodes we send match.
    /// </summary>
    private const byte DefaultCommandByte = CommandByteKeyboardInterrupt | CommandByteSystemFlag | CommandByteTranslate;

    // Controller commands (port 0x64 write).
    private const byte CmdReadCommandByte = 0x20;
    private const byte CmdReadRamLast = 0x3f;
    private const byte CmdWriteCommandByte = 0x60;
    private const byte CmdWriteRamLast = 0x7f;
    private const byte CmdDisableAux = 0xa7;
    private const byte CmdEnableAux = 0xa8;
    private const byte CmdTestAuxPort = 0xa9;
    private const byte CmdSelfTest = 0xaa;
    private const byte CmdTestKeyboardPort = 0xab;
    private const byte CmdDisableKeyboard = 0xad;
    private const byte CmdEnableKeyboard = 0xae;
    private const byte CmdReadOutputPort = 0xd0;
    private const byte CmdWriteOutputPort = 0xd1;
    private const byte CmdWriteKeyboardBuffer = 0xd2;
    private const byte CmdWriteToAux = 0xd4;
    private const byte CmdPulseOutputLinesFirst = 0xf0;

    private const byte SelfTestPassed = 0x55;
    private const byte PortTestPassed = 0x00;
    /// <summary>AUX port test result "clock line stuck high": nothing is connected.</summary>
    private const byte PortTestClockStuckHigh = 0x02;

    // Output port (commands 0xD0/0xD1): bit 0 is the CPU reset line, active low; bit 1 the A20 gate.
    private const byte OutputPortResetDeasserted = 0x01;
    private const byte OutputPortA20 = 0x02;

    // PS/2 keyboard commands and replies.
    private const byte KbdSetLeds = 0xed;
    private const byte KbdEcho = 0xee;
    private const byte KbdScancodeSet = 0xf0;
    private const byte KbdGetId = 0xf2;
    private const byte KbdSetTypematic = 0xf3;
    private const byte KbdReset = 0xff;
    private const byte KbdAck = 0xfa;
    private const byte KbdSelfTestPassed = 0xaa;
    private const byte KbdIdFirst = 0xab;
    private const byte KbdIdSecond = 0x83;
    /// <summary>The second ID byte after the controller's set 2 → set 1 translation.</summary>
    private const byte KbdIdSecondTranslated = 0x41;
    private const byte KbdScancodeSet2 = 0x02;

    /// <summary>
    /// Ctrl, Alt, Delete make codes in scancode set 2, as Firecracker's i8042 sends them (KEY_CTRL 0x14,
    /// KEY_ALT 0x11, KEY_DEL 0xE071, the grey Delete key).
    /// </summary>
    private static ReadOnlySpan<byte> CtrlAltDelSet2 => [0x14, 0x11, 0xe0, 0x71];

    /// <summary>
    /// The same keys as the guest sees them through the 8042's set 2 → set 1 translation (command byte bit 6):
    /// LCtrl 0x1d, LAlt 0x38, E0 53 (Delete). Linux's defkeymap maps Ctrl+Alt+Delete to Boot (ctrl_alt_del()).
    /// </summary>
    private static ReadOnlySpan<byte> CtrlAltDelSet1 => [0x1d, 0x38, 0xe0, 0x53];

    private readonly object _lock = new();
    private readonly Action _onReset;
    private readonly IInterruptLine _keyboardInterrupt;
    private readonly ILogger _logger;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly bool[] _fromKeyboard = new bool[BufferSize];
    private int _head;
    private int _count;
    private byte _commandByte = DefaultCommandByte;
    private byte _outputPort = OutputPortResetDeasserted | OutputPortA20;
    private byte _pendingCommand;
    private byte _pendingKeyboardCommand;
    private bool _lastWriteWasCommand;
    private int _resetRequested;
    private long _interruptFailures;

    /// <param name="onReset">Invoked once, the first time the guest pulses the CPU reset line.</param>
    /// <param name="keyboardInterrupt">IRQ 1.</param>
    /// <param name="logger">Optional: reset requests and failures of the interrupt line or the callback.</param>
    public I8042(Action onReset, IInterruptLine keyboardInterrupt, ILogger? logger = null)
    {
        _onReset = onReset;
        _keyboardInterrupt = keyboardInterrupt;
        _logger = logger ?? Serilog.Core.Logger.None;
    }

    /// <summary>True once the guest pulsed the CPU reset line.</summary>
    public bool ResetRequested => Volatile.Read(ref _resetRequested) != 0;

    /// <summary>Interrupt line triggers that threw.</summary>
    public long InterruptFailures => Interlocked.Read(ref _interruptFailures);

    public void Read(ulong offset, Span<byte> data)
    {
        lock (_lock)
        {
            for (int i = 0; i < data.Length; i++)
            {
                ulong port = offset + (ulong)i;
                data[i] = port < offset ? (byte)0xff : port switch
                {
                    DataOffset => ReadData(),
                    CommandOffset => ReadStatus(),
                    _ => (byte)0xff,
                };
            }
        }
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        bool reset = false;
        lock (_lock)
        {
            for (int i = 0; i < data.Length; i++)
            {
                ulong port = offset + (ulong)i;
                if (port < offset)
                {
                    break; // the access wrapped past the top of the address space
                }
                if (port == DataOffset)
                {
                    reset |= WriteData(data[i]);
                }
                else if (port == CommandOffset)
                {
                    reset |= WriteCommand(data[i]);
                }
            }
        }
        if (reset)
        {
            RequestReset();
        }
    }

    /// <summary>
    /// Queues Ctrl+Alt+Delete make codes (set 1 or set 2, following the command byte's translate bit) and raises
    /// IRQ 1. False when the output buffer lacks room for the whole sequence (nothing is queued then).
    /// </summary>
    public bool TriggerCtrlAltDel()
    {
        lock (_lock)
        {
            ReadOnlySpan<byte> keys = (_commandByte & CommandByteTranslate) != 0 ? CtrlAltDelSet1 : CtrlAltDelSet2;
            if (BufferSize - _count < keys.Length)
            {
                return false;
            }
            PushKeyboard(keys);
            return true;
        }
    }

    private byte ReadStatus()
    {
        byte status = StatusKeyboardNotInhibited;
        if (_count > 0)
        {
            status |= StatusOutputFull;
        }
        if ((_commandByte & CommandByteSystemFlag) != 0)
        {
            status |= StatusSystemFlag;
        }
        if (_lastWriteWasCommand)
        {
            status |= StatusLastWriteWasCommand;
        }
        return status;
    }

    private byte ReadData()
    {
        if (_count == 0)
        {
            return 0; // as Firecracker: an empty buffer reads 0
        }
        byte value = _buffer[_head];
        _head = (_head + 1) % BufferSize;
        _count--;
        // The next keyboard byte is now in the output register: one interrupt per byte.
        if (_count > 0 && _fromKeyboard[_head])
        {
            RaiseKeyboardInterrupt();
        }
        return value;
    }

    /// <summary>Handles a byte written to port 0x64; true when it pulses the reset line.</summary>
    private bool WriteCommand(byte command)
    {
        _lastWriteWasCommand = true;
        _pendingCommand = 0;
        switch (command)
        {
            case CmdReadCommandByte:
                Reply(_commandByte);
                break;
            case > CmdReadCommandByte and <= CmdReadRamLast:
                Reply(0); // the 8042's internal RAM is not modelled
                break;
            case >= CmdWriteCommandByte and <= CmdWriteRamLast:
            case CmdWriteOutputPort:
            case CmdWriteKeyboardBuffer:
            case CmdWriteToAux:
                _pendingCommand = command; // the parameter follows on port 0x60
                break;
            case CmdDisableAux:
                _commandByte |= CommandByteAuxDisabled;
                break;
            case CmdEnableAux:
                _commandByte &= unchecked((byte)~CommandByteAuxDisabled);
                break;
            case CmdTestAuxPort:
                Reply(PortTestClockStuckHigh);
                break;
            case CmdSelfTest:
                _commandByte |= CommandByteSystemFlag; // a passed self test sets the system flag
                Reply(SelfTestPassed);
                break;
            case CmdTestKeyboardPort:
                Reply(PortTestPassed);
                break;
            case CmdDisableKeyboard:
                _commandByte |= CommandByteKeyboardDisabled;
                break;
            case CmdEnableKeyboard:
                _commandByte &= unchecked((byte)~CommandByteKeyboardDisabled);
                break;
            case CmdReadOutputPort:
                Reply(_outputPort);
                break;
            case >= CmdPulseOutputLinesFirst:
                // 0xF0-0xFF pulse output port bits 3:0 where the command has a 0; bit 0 is the CPU reset line, so
                // every even command (Linux uses 0xFE) resets the machine.
                return (command & OutputPortResetDeasserted) == 0;
            default:
                break; // unknown or unmodelled (including AT-style 0xD3): ignored
        }
        return false;
    }

    /// <summary>Handles a byte written to port 0x60; true when it pulls the reset line low.</summary>
    private bool WriteData(byte value)
    {
        _lastWriteWasCommand = false;
        byte command = _pendingCommand;
        _pendingCommand = 0;
        switch (command)
        {
            case CmdWriteCommandByte:
                _commandByte = value;
                return false;
            case > CmdWriteCommandByte and <= CmdWriteRamLast:
                return false;
            case CmdWriteOutputPort:
                _outputPort = value;
                // Output port bit 0 drives the CPU reset line, active low.
                return (value & OutputPortResetDeasserted) == 0;
            case CmdWriteKeyboardBuffer:
                PushKeyboard([value]);
                return false;
            case CmdWriteToAux:
                return false; // no auxiliary device to receive it
            default:
                WriteKeyboard(value);
                return false;
        }
    }

    /// <summary>A byte for the keyboard itself: the PS/2 keyboard command set, answered at once.</summary>
    private void WriteKeyboard(byte value)
    {
        // A keyboard clears its output on receiving a command (and so does Firecracker's).
        Clear();
        byte parameterFor = _pendingKeyboardCommand;
        _pendingKeyboardCommand = 0;
        if (parameterFor != 0)
        {
            if (parameterFor == KbdScancodeSet && value == 0)
            {
                PushKeyboard([KbdAck, KbdScancodeSet2]); // "get current set"
            }
            else
            {
                PushKeyboard([KbdAck]);
            }
            return;
        }
        switch (value)
        {
            case KbdSetLeds:
            case KbdScancodeSet:
            case KbdSetTypematic:
                _pendingKeyboardCommand = value;
                PushKeyboard([KbdAck]);
                break;
            case KbdEcho:
                PushKeyboard([KbdEcho]);
                break;
            case KbdGetId:
                PushKeyboard([KbdAck, KbdIdFirst,
                    (_commandByte & CommandByteTranslate) != 0 ? KbdIdSecondTranslated : KbdIdSecond]);
                break;
            case KbdReset:
                PushKeyboard([KbdAck, KbdSelfTestPassed]);
                break;
            default:
                PushKeyboard([KbdAck]); // enable, disable, defaults, typematic modes, resend: acknowledged
                break;
        }
    }

    /// <summary>A controller reply: replaces whatever was buffered, so the next read of port 0x60 returns it.</summary>
    private void Reply(byte value)
    {
        Clear();
        _buffer[_head] = value;
        _fromKeyboard[_head] = false;
        _count = 1;
    }

    private void PushKeyboard(ReadOnlySpan<byte> bytes)
    {
        bool wasEmpty = _count == 0;
        foreach (byte value in bytes)
        {
            if (_count == BufferSize)
            {
                break; // bounded: the rest is lost, as on a keyboard whose buffer overflows
            }
            int tail = (_head + _count) % BufferSize;
            _buffer[tail] = value;
            _fromKeyboard[tail] = true;
            _count++;
        }
        if (wasEmpty && _count > 0)
        {
            RaiseKeyboardInterrupt();
        }
    }

    private void Clear()
    {
        _head = 0;
        _count = 0;
    }

    private void RaiseKeyboardInterrupt()
    {
        if ((_commandByte & CommandByteKeyboardInterrupt) == 0)
        {
            return; // the guest disabled IRQ 1 in the command byte; it polls instead
        }
        try
        {
            _keyboardInterrupt.Trigger();
        }
        catch (Exception ex) // a failing irqfd must not turn a guest port access into a VMM crash
        {
            if (Interlocked.Increment(ref _interruptFailures) == 1)
            {
                _logger.Error(ex, "Raising the i8042 keyboard interrupt failed; counting further failures");
            }
        }
    }

    private void RequestReset()
    {
        // Linux's reboot=k writes 0xFE up to ten times; the machine resets once.
        if (Interlocked.Exchange(ref _resetRequested, 1) != 0)
        {
            return;
        }
        _logger.Information("Guest pulsed the i8042 CPU reset line");
        try
        {
            _onReset();
        }
        catch (Exception ex) // the guest's write must not throw, whatever the VMM's callback does
        {
            _logger.Error(ex, "The i8042 reset handler failed");
        }
    }
}
