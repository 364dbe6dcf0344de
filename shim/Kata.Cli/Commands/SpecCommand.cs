using System.CommandLine;
using Kata.Cli.Hosting;
using Kata.Oci.Spec;

namespace Kata.Cli.Commands;

/// <summary>`spec [--bundle DIR]`: writes the default config.json (what `runc spec` writes); never overwrites one.</summary>
public static class SpecCommand
{
    public static Command Build(GlobalOptions options)
    {
        Option<string> bundle = new("--bundle", "-b") { Description = "Where to write config.json [default: current directory]", HelpName = "DIR" };
        var command = new Command("spec", "Write a default config.json (as runc spec)") { bundle };
        CommandAction.Set(command, options, (context, parse) =>
        {
            string directory = Path.GetFullPath(parse.GetValue(bundle) ?? Directory.GetCurrentDirectory());
            string path = Path.Combine(directory, SpecLoader.ConfigFileName);
            if (!Directory.Exists(directory))
            {
                throw new CliException($"bundle directory {directory} does not exist");
            }
            if (File.Exists(path))
            {
                throw new CliException($"{path} already exists: remove it first");
            }
            File.WriteAllText(path, DefaultSpec.CreateJson());
            return Task.FromResult(0);
        });
        return command;
    }
}
