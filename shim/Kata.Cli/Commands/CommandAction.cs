using System.CommandLine;
using Kata.Cli.Hosting;

namespace Kata.Cli.Commands;

/// <summary>Runs a command's body with its <see cref="CliContext"/>; any failure becomes one line on stderr and status 1.</summary>
public static class CommandAction
{
    public static void Set(Command command, GlobalOptions options, Func<CliContext, ParseResult, Task<int>> body) =>
        command.SetAction(async (parse, _) =>
        {
            using var context = new CliContext(parse, options, Console.Out, Console.Error);
            try
            {
                return await body(context, parse);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                context.Log.Debug(e, "{Command} failed", command.Name);
                context.Error.WriteLine($"kata-style {command.Name}: {ErrorText.Describe(e)}");
                return 1;
            }
        });

    public static Argument<string> ContainerId() => new("container-id") { Description = "The container's id" };
}
