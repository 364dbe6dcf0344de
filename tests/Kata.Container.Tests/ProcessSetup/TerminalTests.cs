using System.Net.Sockets;
using System.Text;
using Kata.Container.Lifecycle;
using Kata.Container.Tests.Infrastructure;
using Kata.Oci.Spec;
using Microsoft.Win32.SafeHandles;

namespace Kata.Container.Tests.ProcessSetup;

/// <summary>process.terminal: a pty from the container's devpts, its master handed to the engine or a console socket.</summary>
public sealed class TerminalTests
{
    [Fact]
    public async Task TerminalSessionWithResizeAndStdin()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["sh", "-c", "tty; stty size; read line; echo got:$line"],
            spec => spec with { Process = spec.Process! with { Terminal = true, ConsoleSize = new ConsoleSize { Height = 24, Width = 80 } } });
        var container = harness.Engine.Create("terminal-session", bundle.Directory);
        Assert.NotNull(container.Console);
        container.ResizeConsole(40, 100);

        using var master = new FileStream(new SafeFileHandle(container.Console.DangerousGetHandle(), ownsHandle: false), FileAccess.ReadWrite, 1);
        var reader = Task.Run(() => ReadUntilHangup(master), TestContext.Current.CancellationToken);
        harness.Engine.Start("terminal-session");
        master.Write("ping\n"u8);
        master.Flush();

        Assert.Equal(0, await harness.Engine.WaitAsync("terminal-session", TestContext.Current.CancellationToken));
        var text = await reader;
        Assert.Contains("/dev/pts/0", text);
        Assert.Contains("40 100", text);
        Assert.Contains("got:ping", text);
        harness.Engine.Delete("terminal-session");
    }

    [Fact]
    public async Task ConsoleSocketReceivesTheMaster()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["sh", "-c", "tty"], spec => spec with { Process = spec.Process! with { Terminal = true } });
        var socketPath = Path.Combine(harness.StateRoot, "console.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        var accepted = listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();

        var container = harness.Engine.Create("terminal-socket", bundle.Directory, new ContainerCreateOptions { ConsoleSocketPath = socketPath });
        Assert.Null(container.Console);
        using var connection = await accepted;
        using var master = Kata.Container.Interop.DescriptorPassing.Receive((int)connection.SafeHandle.DangerousGetHandle());

        using var stream = new FileStream(new SafeFileHandle(master.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, 1);
        var reader = Task.Run(() => ReadUntilHangup(stream), TestContext.Current.CancellationToken);
        harness.Engine.Start("terminal-socket");
        Assert.Equal(0, await harness.Engine.WaitAsync("terminal-socket", TestContext.Current.CancellationToken));
        Assert.Contains("/dev/pts/0", await reader);
        harness.Engine.Delete("terminal-socket");
        File.Delete(socketPath);
    }

    private static string ReadUntilHangup(FileStream master)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = master.Read(buffer)) > 0)
            {
                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            // EIO: every slave descriptor is closed (the container exited)
        }
        return text.ToString();
    }
}
