using System.CommandLine;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Kata.Agent.Protocol;
using Kata.Cli.Hosting;
using Kata.Cli.Interop;
using Kata.Cli.Monitor;
using Kata.Cli.Terminal;
using Kata.Oci.Spec;
using Kata.Oci.State;

namespace Kata.Cli.Commands;

/// <summary>
/// `exec [--tty] [--env K=V]… [--cwd DIR] [--user UID[:GID]] [--process FILE] [-d] [--pid-file F] ID CMD…`: a new
/// process in a running container. The process starts from the container's own (env, cwd, user, capabilities,
/// rlimits) with the flags applied, as runc does; --process replaces all of it. In the foreground this command
/// carries the stdio and exits with the process's status; with -d a monitor does (as for the container itself).
/// </summary>
public static class ExecCommand
{
    public static Command Build(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        Argument<string[]> commandLine = new("command") { Description = "The command and its arguments", Arity = ArgumentArity.ZeroOrMore };
        Option<bool> tty = new("--tty", "-t") { Description = "Give the process a terminal" };
        Option<string[]> env = new("--env", "-e") { Description = "Set an environment variable (repeatable)", HelpName = "KEY=VALUE", AllowMultipleArgumentsPerToken = false };
        Option<string> cwd = new("--cwd") { Description = "Working directory in the container", HelpName = "DIR" };
        Option<string> user = new("--user", "-u") { Description = "User and group ids", HelpName = "UID[:GID]" };
        Option<string> process = new("--process", "-p") { Description = "An OCI process.json to run instead of the flags and command", HelpName = "FILE" };
        Option<bool> detach = new("--detach", "-d") { Description = "Return once the process started" };
        Option<string> pidFile = CreateCommand.PidFile();
        var command = new Command("exec", "Run a new process in a running container") { id, commandLine, tty, env, cwd, user, process, detach, pidFile };
        CommandAction.Set(command, options, async (context, parse) =>
        {
            string containerId = parse.GetValue(id)!;
            ProcessSpec spec;
            using (ContainerSession session = ContainerSession.Open(context, containerId))
            {
                session.Ensure(ContainerOperation.Exec);
                spec = parse.GetValue(process) is { } file
                    ? SpecLoader.ParseProcess(ReadProcessFile(file), file)
                    : FromFlags(session, parse.GetValue(commandLine) ?? [], parse.GetValue(tty), parse.GetValue(env) ?? [], parse.GetValue(cwd), parse.GetValue(user));
            }
            string execId = "exec-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            return parse.GetValue(detach)
                ? Detached(context, containerId, execId, spec, parse.GetValue(pidFile))
                : await ForegroundAsync(context, containerId, execId, spec, parse.GetValue(pidFile));
        });
        return command;
    }

    private static string ReadProcessFile(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--process {file}: {e.Message}", e);
        }
    }

    private static ProcessSpec FromFlags(ContainerSession session, string[] args, bool tty, string[] env, string? cwd, string? user)
    {
        if (args.Length == 0)
        {
            throw new CliException("exec needs a command (after the container id) or --process FILE");
        }
        RuntimeSpec container = SpecLoader.Deserialize(File.ReadAllText(session.Paths.Spec), session.Paths.Spec);
        ProcessSpec template = container.Process ?? new ProcessSpec { Cwd = "/" };
        return template with
        {
            Args = args,
            CommandLine = null,
            Terminal = tty,
            ConsoleSize = null,
            Env = MergeEnvironment(template.Env ?? [], env),
            Cwd = cwd ?? template.Cwd,
            User = user is null ? template.User : ParseUser(user),
        };
    }

    /// <summary>KEY=VALUE pairs override the container's variables of the same name; a malformed pair is refused.</summary>
    public static IReadOnlyList<string> MergeEnvironment(IReadOnlyList<string> inherited, IEnumerable<string> added)
    {
        var merged = inherited.ToList();
        foreach (string pair in added)
        {
            int equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                throw new CliException($"--env {pair}: expected KEY=VALUE");
            }
            string prefix = pair[..(equals + 1)];
            merged.RemoveAll(existing => existing.StartsWith(prefix, StringComparison.Ordinal));
            merged.Add(pair);
        }
        return merged;
    }

    public static ProcessUser ParseUser(string text)
    {
        string[] parts = text.Split(':');
        if (parts.Length is < 1 or > 2 || !uint.TryParse(parts[0], out uint uid) || (parts.Length == 2 && !uint.TryParse(parts[1], out _)))
        {
            throw new CliException($"--user {text}: expected UID or UID:GID (numbers; names are not resolved outside the container)");
        }
        return new ProcessUser { Uid = uid, Gid = parts.Length == 2 ? uint.Parse(parts[1]) : 0 };
    }

    private static async Task<int> ForegroundAsync(CliContext context, string containerId, string execId, ProcessSpec spec, string? pidFile)
    {
        (Kata.Cli.State.ContainerPaths paths, Kata.Cli.State.ContainerRecord record) = Load(context, containerId);
        using Sandbox.AgentConnection connection = Sandbox.SandboxAttach.Connect(record.Sandbox, paths.Sandbox);
        (uint rows, uint columns) = PseudoTerminal.WindowSize(0) ?? (24, 80);
        ExecProcessResponse started = await connection.Agent.ExecProcessAsync(new ExecProcessRequest
        {
            ContainerId = containerId,
            ExecId = execId,
            OciProcessJson = ByteString.CopyFromUtf8(SpecSerializer.Serialize(spec)),
            Stdio = new StdioConfig { Terminal = spec.Terminal, Stdin = true, ConsoleRows = rows, ConsoleCols = columns },
        });
        if (!string.IsNullOrEmpty(pidFile))
        {
            ContainerCreation.WritePidFile(pidFile, (int)started.Pid);
        }
        // The user's terminal, when stdin is one, becomes the process's (as runc exec -t): raw, and its size followed.
        using RawTerminal? raw = spec.Terminal ? RawTerminal.Enter(0) : null;
        using WindowSizeForwarder? resizes = raw is null ? null : WindowSizeForwarder.OnSignal(0, (rows, columns), connection.Agent, containerId, execId, context.Log);
        var relay = new StdioRelay(connection.Agent, containerId, execId, context.Log);
        relay.StartInput(new DescriptorStream(0, read: true), CancellationToken.None);
        Task output = relay.PullOutputAsync(new DescriptorStream(1, read: false), spec.Terminal ? null : new DescriptorStream(2, read: false), CancellationToken.None);
        int status;
        try
        {
            status = (await connection.Agent.WaitProcessAsync(new WaitProcessRequest { ContainerId = containerId, ExecId = execId })).Status;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            throw new CliException($"container {containerId}: its sandbox ended while exec {execId} ran");
        }
        await output;
        return status;
    }

    private static int Detached(CliContext context, string containerId, string execId, ProcessSpec spec, string? pidFile)
    {
        if (spec.Terminal)
        {
            throw new NotSupportedException("exec -d --tty: a detached exec has no console socket to hand its terminal to; run it in the foreground");
        }
        (Kata.Cli.State.ContainerPaths paths, _) = Load(context, containerId);
        string processFile = Path.Combine(paths.Directory, execId + ".process.json");
        File.WriteAllText(processFile, SpecSerializer.Serialize(spec));
        using MonitorLauncher monitor = MonitorLauncher.Start(context, paths, ["--exec-id", execId, "--process-file", processFile, containerId]);
        int pid = monitor.WaitCreated();
        if (!string.IsNullOrEmpty(pidFile))
        {
            ContainerCreation.WritePidFile(pidFile, pid);
        }
        return 0;
    }

    private static (Kata.Cli.State.ContainerPaths, Kata.Cli.State.ContainerRecord) Load(CliContext context, string containerId)
    {
        Kata.Cli.State.ContainerPaths paths = context.Store.Paths(containerId);
        return (paths, context.Store.ReadRecord(paths));
    }
}
