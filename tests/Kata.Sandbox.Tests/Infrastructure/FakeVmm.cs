namespace Kata.Sandbox.Tests.Infrastructure;

/// <summary>
/// A shell script standing in for kata-style-vmm (the sandbox starts it through its CommandPrefix): it finds the
/// --serial path in its arguments, writes a console line there, records its pid, and then does what the test says.
/// </summary>
public static class FakeVmm
{
    public static CommandPrefix Create(string directory, string behaviour)
    {
        string script = Path.Combine(directory, "fake-vmm.sh");
        File.WriteAllText(script, $$"""
            #!/bin/sh
            printf '%s\n' "$@" > "{{ArgumentsFile(directory)}}"
            console=/dev/null
            while [ $# -gt 0 ]; do
              [ "$1" = --serial ] && console="$2"
              shift
            done
            echo $$ > "{{PidFile(directory)}}"
            echo "fake-vmm: starting (pid $$)"
            echo "Linux version 6.12.0-fake (console of the fake guest)" > "$console"
            {{behaviour}}
            """);
        return CommandPrefix.Of("/bin/sh", script);
    }

    public static string PidFile(string directory) => Path.Combine(directory, "fake-vmm.pid");

    /// <summary>The arguments the fake was started with, one per line.</summary>
    public static string ArgumentsFile(string directory) => Path.Combine(directory, "fake-vmm.args");

    /// <summary>The fake's pid once it has started (it writes it first thing).</summary>
    public static int Pid(string directory) => int.Parse(File.ReadAllText(PidFile(directory)).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>True while a process with this pid exists and is not a zombie.</summary>
    public static bool IsRunning(int pid)
    {
        string stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }
        try
        {
            string text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
