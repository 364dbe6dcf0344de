using Kata.Cli.Hosting;
using Kata.Cli.Monitor;
using Kata.Cli.State;

namespace Kata.Cli.Tests;

/// <summary>The pure parts of the command line: signal names, exec's command separation, ids, the monitor's report lines.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("KILL", 9)]
    [InlineData("SIGKILL", 9)]
    [InlineData("sigterm", 15)]
    [InlineData("15", 15)]
    [InlineData("SIGRTMIN", 34)]
    [InlineData("RTMIN+2", 36)]
    [InlineData("SIGRTMAX-1", 63)]
    [InlineData("WINCH", 28)]
    public void Signals_parse_by_name_and_number(string text, int number) => Assert.Equal(number, SignalNames.Parse(text));

    [Theory]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("SIGFOO")]
    [InlineData("RTMIN+40")]
    [InlineData("-9")]
    public void Bad_signals_are_refused(string text) => Assert.Throws<CliException>(() => SignalNames.Parse(text));

    [Fact]
    public void Exec_separates_the_containers_command_from_its_own_options()
    {
        Assert.Equal(["--root", "/r", "exec", "-e", "A=1", "--tty", "c1", "--", "sh", "-c", "echo -n hi"],
            ExecArguments.SeparateCommand(["--root", "/r", "exec", "-e", "A=1", "--tty", "c1", "sh", "-c", "echo -n hi"]));
        Assert.Equal(["exec", "c1", "--", "ls", "-l"], ExecArguments.SeparateCommand(["exec", "c1", "--", "ls", "-l"]));
        Assert.Equal(["state", "c1"], ExecArguments.SeparateCommand(["state", "c1"]));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("my_container.1+x-y")]
    public void Valid_ids_are_accepted(string id) => Assert.Equal(id, ContainerStore.ValidateId(id));

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("-flag")]
    [InlineData("sp ace")]
    public void Invalid_ids_are_refused(string id) => Assert.Throws<CliException>(() => ContainerStore.ValidateId(id));

    [Fact]
    public void Monitor_report_lines_round_trip_multi_line_errors()
    {
        Assert.Equal(("error", "line one\nline \\two"), MonitorReport.Parse("error line one\\nline \\\\two"));
        Assert.Equal(("created", "42"), MonitorReport.Parse("created 42"));
        Assert.Equal(("exited", "137"), MonitorReport.Parse("exited 137"));
    }
}
