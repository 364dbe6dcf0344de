using System.CommandLine;
using Kata.Agent.Protocol;
using Kata.Cli.Hosting;
using Kata.Oci.State;

namespace Kata.Cli.Commands;

/// <summary>`pause ID` / `resume ID`: freeze and thaw every process of the container (its cgroup freezer).</summary>
public static class PauseResumeCommands
{
    public static Command BuildPause(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        var command = new Command("pause", "Suspend every process of the container") { id };
        CommandAction.Set(command, options, async (context, parse) =>
        {
            using ContainerSession session = ContainerSession.Open(context, parse.GetValue(id)!);
            session.Ensure(ContainerOperation.Pause);
            await session.Agent.Agent.PauseContainerAsync(new PauseContainerRequest { ContainerId = session.Paths.Id });
            session.Update(session.Record with { Paused = true });
            return 0;
        });
        return command;
    }

    public static Command BuildResume(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        var command = new Command("resume", "Resume a paused container") { id };
        CommandAction.Set(command, options, async (context, parse) =>
        {
            using ContainerSession session = ContainerSession.Open(context, parse.GetValue(id)!);
            session.Ensure(ContainerOperation.Resume);
            await session.Agent.Agent.ResumeContainerAsync(new ResumeContainerRequest { ContainerId = session.Paths.Id });
            session.Update(session.Record with { Paused = false });
            return 0;
        });
        return command;
    }
}
