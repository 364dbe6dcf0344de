using Kata.Shim;
using Kata.Shim.Manager;
using Serilog;

// containerd-shim-kata-style-v2: `start`, `delete`, or (no action) the daemon; see ShimCommandLine.
Kata.Sandbox.ThreadPoolSizing.EnsureMinimum();
ShimInvocation invocation;
try
{
    invocation = ShimCommandLine.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"containerd-shim-kata-style-v2: {e.Message}");
    return 2;
}

try
{
    switch (invocation.Action)
    {
        case ShimAction.Version:
            Console.WriteLine($"containerd-shim-kata-style-v2 ({Kata.Shim.Service.TaskService.Version})");
            return 0;
        case ShimAction.Start:
            return StartCommand.Run(invocation, Console.Out);
        case ShimAction.Delete:
            using (var stdout = Console.OpenStandardOutput())
            {
                // containerd reads stdout as the DeleteResponse, so the log goes to stderr.
                using var log = new LoggerConfiguration().WriteTo.Sink(new Kata.Shim.Logging.FifoLogSink(Console.OpenStandardError(),
                    new Serilog.Formatting.Display.MessageTemplateTextFormatter("{Message:lj}{NewLine}"))).CreateLogger();
                return DeleteCommand.Run(invocation, stdout, log);
            }
        default:
            return await ShimDaemon.RunAsync(invocation);
    }
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or System.Net.Sockets.SocketException)
{
    Console.Error.WriteLine($"containerd-shim-kata-style-v2 {invocation.Action.ToString().ToLowerInvariant()}: {e.Message}");
    return 1;
}
