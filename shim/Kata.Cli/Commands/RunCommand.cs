using System.CommandLine;
using System.Runtime.InteropServices;
using Kata.Agent.Protocol;
using Kata.Cli.Hosting;
using Kata.Cli.State;
using Kata.Cli.Terminal;

namespace Kata.Cli.Commands;

/// <summary>
/// `run [-d] --bundle DIR [--pid-file F] [--console-socket S] ID`: create + start; in the foreground it waits, forwards
/// SIGINT/SIGTERM/SIGHUP/SIGQUIT to the container, exits with the container's status and then deletes it (as runc run).
/// </summary>
public static class RunCommand
{
    private static readonly PosixSignal[] s_forwarded = [PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT];

    public static Command Build(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        Option<string> bundle = CreateCommand.Bundle();
        Option<string> pidFile = CreateCommand.PidFile();
        Option<string> consoleSocket = CreateCommand.ConsoleSocket();
        Option<bool> detach = new("--detach", "-d") { Description = "Return once the container is started (its stdio stays with the monitor)" };
        var command = new Command("run", "Create and start a container; without -d, wait for it and exit with its status") { id, bundle, pidFile, consoleSocket, detach };
        CommandAction.Set(command, options, async (context, parse) =>
        {
            bool detached = parse.GetValue(detach);
            string containerId = parse.GetValue(id)!;
            ContainerCreation.Created created = ContainerCreation.Create(context, containerId, parse.GetValue(bundle),
                parse.GetValue(pidFile), parse.GetValue(consoleSocket), detached);
            using (created.Monitor)
            {
                // The user's terminal is raw from before the container's first byte until it ends (as runc run -t).
                using RawTerminal? raw = OnUsersTerminal(context.Store.ReadRecord(created.Paths)) ? RawTerminal.Enter(0) : null;
                try
                {
                    using ContainerSession session = ContainerSession.Open(context, containerId, created.Lock);
                    await ContainerCreation.StartAsync(session);
                }
                catch
                {
                    ContainerCleanup.Destroy(context.Store, created.Paths, context.Log);
                    created.Lock.Dispose();
                    throw;
                }
                if (detached)
                {
                    return 0;
                }
                int? status;
                using (ForwardSignals(context, created.Paths))
                {
                    status = created.Monitor.WaitExited();
                    created.Monitor.WaitEnded();
                }
                using (ContainerLock? held = ContainerLock.Acquire(created.Paths))
                {
                    ContainerCleanup.Destroy(context.Store, created.Paths, context.Log);
                }
                if (status is null)
                {
                    throw new CliException($"container {containerId}: its monitor ended without an exit status (killed?)");
                }
                return status.Value;
            }
        });
        return command;
    }

    /// <summary>process.terminal without --console-socket: the monitor relays the container's terminal to our fds 0/1/2.</summary>
    private static bool OnUsersTerminal(ContainerRecord record) => record.Terminal && record.ConsoleSocket is null;

    private static CompositeDisposable ForwardSignals(CliContext context, ContainerPaths paths)
    {
        ContainerRecord record = context.Store.ReadRecord(paths);
        var connection = Sandbox.SandboxAttach.Connect(record.Sandbox, paths.Sandbox);
        var registrations = new List<IDisposable> { connection };
        if (OnUsersTerminal(record))
        {
            // Our size followed (SIGWINCH reaches us, not the monitor in its own session). Size (0, 0) as "created"
            // makes the first check send the size we have now. Disposed before the connection.
            registrations.Insert(0, WindowSizeForwarder.OnSignal(0, (0, 0), connection.Agent, paths.Id, "", context.Log));
        }
        foreach (PosixSignal signal in s_forwarded)
        {
            registrations.Add(PosixSignalRegistration.Create(signal, received =>
            {
                received.Cancel = true;
                int number = signal switch
                {
                    PosixSignal.SIGINT => 2,
                    PosixSignal.SIGTERM => 15,
                    PosixSignal.SIGHUP => 1,
                    _ => 3,
                };
                _ = connection.Agent.SignalProcessAsync(new SignalProcessRequest { ContainerId = paths.Id, Signal = (uint)number }).ResponseAsync
                    .ContinueWith(t => context.Log.Debug("forwarding signal {Signal}: {Error}", number, t.Exception?.GetBaseException().Message),
                        TaskContinuationOptions.OnlyOnFaulted);
            }));
        }
        return new CompositeDisposable(registrations);
    }

    private sealed class CompositeDisposable(List<IDisposable> items) : IDisposable
    {
        public void Dispose() => items.ForEach(item => item.Dispose());
    }
}
