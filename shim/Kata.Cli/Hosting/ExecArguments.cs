namespace Kata.Cli.Hosting;

/// <summary>
/// `exec ID CMD ARGS…` takes the container's command verbatim, options included (`exec c1 sh -c 'echo hi'`), as
/// runc does. System.CommandLine would read `-c` as an option of exec, so a `--` is put after the container id:
/// everything after it is the command.
/// </summary>
public static class ExecArguments
{
    private static readonly HashSet<string> s_optionsWithValue =
    [
        "--root", "--log", "--log-format", "--config", "--sandbox",
        "--env", "-e", "--cwd", "--user", "-u", "--process", "-p", "--pid-file",
    ];

    public static string[] SeparateCommand(string[] args)
    {
        int exec = Array.IndexOf(args, "exec");
        if (exec < 0 || args.Contains("--"))
        {
            return args;
        }
        for (int i = exec + 1; i < args.Length; i++)
        {
            string word = args[i];
            if (word.StartsWith('-'))
            {
                if (s_optionsWithValue.Contains(word))
                {
                    i++;
                }
                continue;
            }
            // The container id: the command follows it.
            return [.. args[..(i + 1)], "--", .. args[(i + 1)..]];
        }
        return args;
    }
}
