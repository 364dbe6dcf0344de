using System.Diagnostics;

namespace Kata.Cli.Tests.Infrastructure;

/// <summary>
/// Runs the real kata-style (the framework-dependent build copied to cli/ in the test output) under dotnet,
/// with the `process` sandbox, a --root of the test's own, and a configuration.toml naming the agent built next to
/// the tests.
/// </summary>
public sealed class KataStyle : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    public KataStyle()
    {
        Scratch = Directory.CreateTempSubdirectory("kata-cli-test-").FullName;
        Root = Path.Combine(Scratch, "root");
        ConfigPath = Path.Combine(Scratch, "configuration.toml");
        File.WriteAllText(ConfigPath,
            $"[runtime]\nsandbox = \"process\"\n\n[agent]\ncommand = [\"{Dotnet}\", \"{Path.Combine(AppContext.BaseDirectory, "kata-style-agent.dll")}\"]\n");
    }

    public string Scratch { get; }
    public string Root { get; }
    public string ConfigPath { get; }

    public static string CliDll { get; } = Path.Combine(AppContext.BaseDirectory, "cli", "kata-style.dll");

    /// <summary>The dotnet host (the CLI and the agent are framework-dependent builds).</summary>
    public static string Dotnet { get; } = FindDotnet();

    public IReadOnlyList<string> Global => ["--root", Root, "--config", ConfigPath, "--sandbox", "process", "--log", Path.Combine(Scratch, "cli.log")];

    /// <summary>Runs kata-style with the global flags, stdin from <paramref name="stdin"/> (or /dev/null); waits for it to exit.</summary>
    public async Task<CliResult> RunAsync(IReadOnlyList<string> args, string? stdin = null, bool quietGlobals = false)
    {
        var info = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(CliDll);
        foreach (string word in quietGlobals ? args : [.. Global, .. args])
        {
            info.ArgumentList.Add(word);
        }
        using Process process = Process.Start(info) ?? throw new InvalidOperationException("could not start kata-style");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kata-style {string.Join(' ', args)} did not finish within {CommandTimeout}");
        }
        return new CliResult(args, process.ExitCode, await stdout, await stderr);
    }

    public Task<CliResult> RunAsync(params string[] args) => RunAsync((IReadOnlyList<string>)args);

    /// <summary>`create` with the container's stdio sent to files (see <see cref="RunHandingOverStdioAsync"/>).</summary>
    public Task<CliResult> CreateAsync(string id, string bundle, params string[] extra) =>
        RunHandingOverStdioAsync(id, ["create", "--bundle", bundle, .. extra, id]);

    /// <summary>
    /// A command whose stdio outlives it (create, run -d, exec -d: a monitor keeps it for the container or process),
    /// run with stdin from /dev/null and stdout/stderr sent to files named after <paramref name="name"/>: pipes to
    /// this test would stay open as long as the container.
    /// </summary>
    public async Task<CliResult> RunHandingOverStdioAsync(string name, IReadOnlyList<string> args)
    {
        string output = Path.Combine(Scratch, name + ".out");
        string errors = Path.Combine(Scratch, name + ".err");
        // A shell does the redirection so that the monitor inherits files, not our pipes.
        string command = string.Join(' ', new[] { Dotnet, CliDll }.Concat(Global).Concat(args).Select(Quote));
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"{command} </dev/null >{Quote(output)} 2>{Quote(errors)}");
        using Process process = Process.Start(info)!;
        await process.WaitForExitAsync();
        return new CliResult(args, process.ExitCode, File.ReadAllText(output), File.ReadAllText(errors));
    }

    public string ContainerOutput(string id) => File.ReadAllText(Path.Combine(Scratch, id + ".out"));

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string FindDotnet()
    {
        string? fromHost = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromHost) && File.Exists(fromHost))
        {
            return fromHost;
        }
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, "dotnet");
            if (File.Exists(candidate))
            {
                return new FileInfo(candidate).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? candidate;
            }
        }
        throw new FileNotFoundException("dotnet is not on PATH");
    }

    public void Dispose()
    {
        // Whatever a failed test left: force-delete its containers, so no monitor or agent outlives the run.
        if (Directory.Exists(Root))
        {
            foreach (string directory in Directory.GetDirectories(Root))
            {
                RunAsync("delete", "--force", Path.GetFileName(directory)).GetAwaiter().GetResult();
            }
        }
        try
        {
            Directory.Delete(Scratch, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
