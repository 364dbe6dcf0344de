namespace Kata.Cli.Tests.Infrastructure;

/// <summary>What one kata-style invocation did.</summary>
public sealed record CliResult(IReadOnlyList<string> Arguments, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The agent answered UNIMPLEMENTED: it lacks the feature (see ErrorText: "(agent: Unimplemented)").</summary>
    public bool AgentLacksFeature => Stderr.Contains("(agent: Unimplemented)", StringComparison.Ordinal);

    public CliResult Succeeded()
    {
        Assert.True(ExitCode == 0, $"kata-style {string.Join(' ', Arguments)} exited {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}");
        return this;
    }

    public CliResult Failed(string expectedMessage)
    {
        Assert.True(ExitCode != 0, $"kata-style {string.Join(' ', Arguments)} should have failed\nstdout: {Stdout}\nstderr: {Stderr}");
        Assert.Contains(expectedMessage, Stderr, StringComparison.Ordinal);
        return this;
    }

    /// <summary>Skips the test (with the agent's own words) when the agent answered UNIMPLEMENTED, else requires success.</summary>
    public CliResult SucceededOrSkipUnimplemented()
    {
        if (AgentLacksFeature)
        {
            Assert.Skip($"the agent answers UNIMPLEMENTED: kata-style {string.Join(' ', Arguments)}: {Stderr.Trim()}");
        }
        return Succeeded();
    }
}
