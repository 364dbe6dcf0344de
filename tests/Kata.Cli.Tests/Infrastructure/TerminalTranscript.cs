using System.Text;
using Kata.Cli.Interop;
using Microsoft.Win32.SafeHandles;

namespace Kata.Cli.Tests.Infrastructure;

/// <summary>
/// The test's side of a pty master: everything read from it (on a thread of its own, until EIO once no one holds the
/// slave), typing into it, and resizing it (TIOCSWINSZ on the master, which is what a terminal emulator does).
/// </summary>
public sealed class TerminalTranscript : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private readonly SafeFileHandle _master;
    private readonly FileStream _stream;
    private readonly StringBuilder _text = new();
    private readonly Thread _reader;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _ended;

    public TerminalTranscript(SafeFileHandle master)
    {
        _master = master;
        _stream = new FileStream(master, FileAccess.Read, 1);
        _reader = new Thread(ReadToHangup) { IsBackground = true, Name = "pty transcript" };
        _reader.Start();
    }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>Types <paramref name="text"/> (write(2) on the master, beside the reader's blocked read).</summary>
    public unsafe void Type(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        fixed (byte* data = bytes)
        {
            Assert.Equal(bytes.Length, (int)CliLibc.Write((int)_master.DangerousGetHandle(), data, (nuint)bytes.Length));
        }
    }

    public unsafe void Resize(ushort rows, ushort columns)
    {
        var size = new WinSize { Rows = rows, Columns = columns };
        Assert.Equal(0, CliLibc.Ioctl((int)_master.DangerousGetHandle(), CliLibc.Tiocswinsz, &size));
    }

    /// <summary>Waits until the transcript satisfies <paramref name="done"/>; fails with the transcript when the pty hung up first.</summary>
    public async Task WaitUntilAsync(Func<string, bool> done, string what)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(HangGuard);
        while (true)
        {
            Task changed;
            lock (_text)
            {
                if (done(_text.ToString()))
                {
                    return;
                }
                Assert.False(_ended, $"the terminal hung up before {what}; it showed:\n{_text}");
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(guard.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no {what} on the terminal; it showed:\n{Text}");
            }
        }
    }

    public Task WaitForAsync(string text) => WaitUntilAsync(t => t.Contains(text, StringComparison.Ordinal), $"\"{text}\"");

    /// <summary>Waits until the reader saw the hangup (EIO: every holder of the slave closed it).</summary>
    public Task WaitForHangupAsync() => WaitUntilAsync(_ => Volatile.Read(ref _ended), "hangup");

    private void ReadToHangup()
    {
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                int read = _stream.Read(buffer, 0, buffer.Length);
                if (read == 0)
                {
                    break;
                }
                Append(Encoding.UTF8.GetString(buffer, 0, read), ended: false);
            }
        }
        catch (IOException)
        {
            // EIO from the master: the slave's last holder closed it.
        }
        catch (ObjectDisposedException)
        {
        }
        Append("", ended: true);
    }

    private void Append(string text, bool ended)
    {
        TaskCompletionSource changed;
        lock (_text)
        {
            _text.Append(text);
            _ended |= ended;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public void Dispose() => _stream.Dispose();
}
