using System.CommandLine;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Kata.Agent.Protocol;
using Kata.Cli.Hosting;
using Kata.Oci.State;
using Kata.Sandbox;

namespace Kata.Cli.Commands;

/// <summary>
/// `ps [--format table|json] ID [-- PS-ARGS…]`, as `runc ps`: the table is ps(1)'s own output (`ps -ef` unless
/// arguments follow `--`: UID PID PPID C STIME TTY TIME CMD) keeping the header and the container's processes;
/// json is the array of the container's pids. With the `process` sandbox the agent's pids are host pids, so the host's
/// ps sees them; a `vm` sandbox's pids live in the guest, where the host's ps cannot look: there the table is the pids.
/// </summary>
public static class PsCommand
{
    /// <summary>runc's default: every process, full format.</summary>
    private static readonly string[] s_defaultPsArguments = ["-ef"];

    public static Command Build(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        Argument<string[]> psArguments = new("ps-arguments")
        {
            Description = "Arguments for ps(1), after --, instead of -ef (the output must keep the PID column)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        Option<string> format = new("--format", "-f") { Description = "Output format [default: table]", HelpName = "table|json" };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("ps", "List the processes running in a container") { id, psArguments, format };
        CommandAction.Set(command, options, async (context, parse) =>
        {
            string[] arguments = parse.GetValue(psArguments) ?? [];
            bool json = parse.GetValue(format) == "json";
            if (json && arguments.Length > 0)
            {
                throw new CliException($"ps arguments ({string.Join(' ', arguments)}) apply to the table format only, not to --format json");
            }
            using ContainerSession session = ContainerSession.Open(context, parse.GetValue(id)!);
            if (session.Status is not (ContainerStatus.Created or ContainerStatus.Running or ContainerStatus.Paused))
            {
                throw new CliException($"container {session.Paths.Id} is {ContainerStatusConverter.Instance.ToSpecName(session.Status)}: it has no processes");
            }
            ListProcessesResponse processes = await session.Agent.Agent.ListProcessesAsync(new ListProcessesRequest { ContainerId = session.Paths.Id });
            List<uint> pids = [.. processes.Pids.Order()];
            if (json)
            {
                context.Out.WriteLine("[" + string.Join(",", pids.Select(pid => pid.ToString(CultureInfo.InvariantCulture))) + "]");
                return 0;
            }
            if (session.Record.Sandbox != SandboxKind.Process)
            {
                if (arguments.Length > 0)
                {
                    throw new CliException($"ps arguments need the container's processes on this host; container {session.Paths.Id} runs in a " +
                        $"{session.Record.Sandbox.ToString().ToLowerInvariant()} sandbox, whose pids are the guest's (use --format json or no arguments)");
                }
                context.Out.WriteLine("PID");
                pids.ForEach(pid => context.Out.WriteLine(pid.ToString(CultureInfo.InvariantCulture)));
                return 0;
            }
            string output = await RunPsAsync(arguments.Length > 0 ? arguments : s_defaultPsArguments);
            foreach (string line in PsOutputFilter.Filter(output, pids.ToHashSet()))
            {
                context.Out.WriteLine(line);
            }
            return 0;
        });
        return command;
    }

    /// <summary>ps(1) from PATH with <paramref name="arguments"/>; its stdout, or a CliException with its stderr.</summary>
    private static async Task<string> RunPsAsync(IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo("ps")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        Process ps;
        try
        {
            ps = Process.Start(info) ?? throw new CliException("could not start ps");
        }
        catch (Win32Exception e)
        {
            throw new CliException($"could not run ps ({e.Message}): install procps", e);
        }
        using (ps)
        {
            ps.StandardInput.Close();
            Task<string> stdout = ps.StandardOutput.ReadToEndAsync();
            Task<string> stderr = ps.StandardError.ReadToEndAsync();
            await ps.WaitForExitAsync();
            if (ps.ExitCode != 0)
            {
                throw new CliException($"ps {string.Join(' ', arguments)} failed (exit status {ps.ExitCode}): {(await stderr).Trim()}");
            }
            return await stdout;
        }
    }
}
