using System.CommandLine;

namespace Kata.Vmm;

/// <summary>The executable's entry point with its streams injected: parse, then run the VM or report usage errors.</summary>
public static class VmmApplication
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        VmmCliResult cli = VmmCommandLine.Parse(args);
        if (cli.Errors.Count > 0)
        {
            foreach (string error in cli.Errors)
            {
                await stderr.WriteLineAsync($"kata-style-vmm: {error}").ConfigureAwait(false);
            }
            await stderr.WriteLineAsync("Try 'kata-style-vmm --help' for more information.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        if (cli.BuiltInAction is { } builtIn)
        {
            return await builtIn.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }).ConfigureAwait(false);
        }
        return await VmmRunner.RunAsync(cli.Settings!, stderr).ConfigureAwait(false);
    }
}
