using Kata.Cli.Tests.Infrastructure;

namespace Kata.Cli.Tests;

/// <summary>Bad input gets a clear error naming what was wrong, and leaves nothing behind.</summary>
public sealed class ErrorTests : IDisposable
{
    private readonly KataStyle _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("state")]
    [InlineData("start")]
    [InlineData("kill")]
    [InlineData("delete")]
    [InlineData("ps")]
    [InlineData("pause")]
    [InlineData("events")]
    public async Task An_unknown_id_is_named(string command)
    {
        (await _cli.RunAsync(command, "ghost")).Failed($"container ghost does not exist (in {_cli.Root})");
        Leftovers.AssertNone(_cli, "ghost");
    }

    [Fact]
    public async Task An_invalid_id_is_refused_before_anything_happens()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "b", ["true"]);
        (await _cli.CreateAsync("../escape", bundle)).Failed("invalid container id \"../escape\"");
        Assert.False(Directory.Exists(_cli.Root) && Directory.EnumerateFileSystemEntries(_cli.Root).Any());
    }

    [Fact]
    public async Task A_duplicate_id_is_refused_and_the_first_container_is_untouched()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "dup", ["sleep", "600"]);
        (await _cli.CreateAsync("dup", bundle)).Succeeded();
        ContainerStateJson first = await ContainerStateJson.OfAsync(_cli, "dup");

        (await _cli.CreateAsync("dup", bundle)).Failed("container dup already exists");

        ContainerStateJson after = await ContainerStateJson.OfAsync(_cli, "dup");
        Assert.Equal(("created", first.Pid), (after.Status, after.Pid));
        Assert.True(Leftovers.IsAlive(first.Pid));
        (await _cli.RunAsync("delete", "--force", "dup")).Succeeded();
        Leftovers.AssertNone(_cli, "dup", first.Pid);
    }

    [Fact]
    public async Task A_bundle_without_config_json_is_named()
    {
        string bundle = Path.Combine(_cli.Scratch, "empty-bundle");
        Directory.CreateDirectory(bundle);

        (await _cli.CreateAsync("noconf", bundle)).Failed($"bundle {bundle} has no config.json");
        (await _cli.RunAsync("run", "--bundle", Path.Combine(_cli.Scratch, "missing"), "noconf")).Failed("does not exist");

        Leftovers.AssertNone(_cli, "noconf");
    }

    [Fact]
    public async Task A_malformed_config_json_is_named_with_its_position()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "bad", ["true"]);
        File.WriteAllText(Path.Combine(bundle, "config.json"), "{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": { \"args\": [\"sh\" }\n}");

        CliResult create = (await _cli.CreateAsync("bad", bundle)).Failed("malformed JSON at line 3");
        Assert.Contains(Path.Combine(bundle, "config.json"), create.Stderr);

        Leftovers.AssertNone(_cli, "bad");
    }

    [Fact]
    public async Task An_invalid_spec_names_every_field_that_is_wrong()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "inv", ["true"]);
        string config = Path.Combine(bundle, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"args\":[\"true\"]", "\"args\":[]", StringComparison.Ordinal));

        (await _cli.CreateAsync("inv", bundle)).Failed("process.args: must not be empty");

        Leftovers.AssertNone(_cli, "inv");
    }

    [Fact]
    public async Task A_terminal_without_a_console_socket_is_refused_for_create()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "term", ["sh"], terminal: true);

        (await _cli.CreateAsync("term", bundle)).Failed("needs --console-socket");
        (await _cli.CreateAsync("term", await BusyboxBundle.CreateAsync(_cli, "noterm", ["sh"]), "--console-socket", "/tmp/x.sock"))
            .Failed("process.terminal is false");

        Leftovers.AssertNone(_cli, "term");
    }

    [Fact]
    public async Task A_broken_configuration_file_is_named()
    {
        File.WriteAllText(_cli.ConfigPath, "[runtime]\nsandbox = \"container\"\n");

        (await _cli.RunAsync("env")).Failed("\"container\" is not a sandbox kind");
    }
}
