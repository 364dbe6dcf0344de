using System.Text;
using Kata.Cli.Tests.Infrastructure;

namespace Kata.Cli.Tests;

/// <summary>--console-socket: the pty master reaches the socket's owner (SCM_RIGHTS) and carries the container's terminal.</summary>
public sealed class TerminalTests : IDisposable
{
    private readonly KataStyle _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Create_hands_the_console_over_the_console_socket()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "console", ["sh", "-c", "test -t 1 && echo tty-ok; sleep 600"], terminal: true);
        using var listener = new ConsoleSocketListener(Path.Combine(_cli.Scratch, "console.sock"));
        Task<(string Name, Microsoft.Win32.SafeHandles.SafeFileHandle Master)> received = listener.ReceiveAsync();

        CliResult create = await _cli.CreateAsync("console", bundle, "--console-socket", listener.Path);
        if (create.AgentLacksFeature)
        {
            Leftovers.AssertNone(_cli, "console");
            create.SucceededOrSkipUnimplemented();
        }
        create.Succeeded();
        (string name, Microsoft.Win32.SafeHandles.SafeFileHandle master) = await received;
        Assert.StartsWith("/dev/pts/", name);
        (await _cli.RunAsync("start", "console")).Succeeded();

        using (master)
        await using (var console = new FileStream(master, FileAccess.Read, 1))
        {
            var text = new StringBuilder();
            byte[] buffer = new byte[256];
            while (!text.ToString().Contains("tty-ok", StringComparison.Ordinal))
            {
                int read = await console.ReadAsync(buffer, TestContext.Current.CancellationToken);
                Assert.True(read > 0, $"the console closed before the container wrote to it (got \"{text}\")");
                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        (await _cli.RunAsync("delete", "--force", "console")).Succeeded();
        Leftovers.AssertNone(_cli, "console");
    }
}
