using Kata.Sandbox;
using Kata.Sandbox.Configuration;

namespace Kata.Shim.Tests.Unit;

public sealed class ConfigurationLoaderTests
{
    private const string Path = "/etc/kata-style/configuration.toml";

    [Fact]
    public void A_full_file_sets_every_value()
    {
        KataConfiguration c = ConfigurationLoader.Parse("""
            [runtime]
            sandbox = "process"
            debug = true
            state_dir = "/run/ks"

            [hypervisor]
            path = "/opt/ks/kata-style-vmm"
            kernel = "/opt/ks/vmlinux"
            initrd = "/opt/ks/initramfs.cpio.gz"
            vcpus = 2
            memory_mib = 512
            kernel_params = "quiet"

            [agent]
            command = ["/usr/bin/dotnet", "/opt/ks/kata-style-agent.dll"]
            timeout_seconds = 12
            """, Path);

        Assert.Equal(SandboxKind.Process, c.Sandbox);
        Assert.True(c.Debug);
        Assert.Equal("/run/ks", c.StateDirectory);
        Assert.Equal(["/opt/ks/kata-style-vmm"], c.Vmm!.Words);
        Assert.Equal("/opt/ks/vmlinux", c.KernelPath);
        Assert.Equal("/opt/ks/initramfs.cpio.gz", c.InitrdPath);
        Assert.Equal(2, c.Vcpus);
        Assert.Equal(512, c.MemoryMib);
        Assert.Equal("quiet", c.KernelParams);
        Assert.Equal(["/usr/bin/dotnet", "/opt/ks/kata-style-agent.dll"], c.Agent!.Words);
        Assert.Equal(TimeSpan.FromSeconds(12), c.AgentTimeout);
        Assert.Equal(Path, c.SourcePath);

        SandboxOptions options = c.ToSandboxOptions("pod1");
        Assert.Equal("/run/ks/sandboxes/pod1", options.StateDirectory);
        Assert.Equal(SandboxKind.Process, options.Kind);
        Assert.Equal(512, options.MemoryMib);
    }

    [Fact]
    public void An_empty_file_means_the_defaults_with_a_vm_sandbox()
    {
        KataConfiguration c = ConfigurationLoader.Parse("", Path);
        Assert.Equal(SandboxKind.Vm, c.Sandbox);
        Assert.Equal(1, c.Vcpus);
        Assert.Equal(256, c.MemoryMib);
    }

    [Theory]
    [InlineData("[runtime]\nsandbox = \"vm\"\nsandbx = 1\n", "configuration.toml:3:1: unknown key \"sandbx\" in [runtime]")]
    [InlineData("[runtime]\nsandbox = \"kvm\"\n", "configuration.toml:2:1: [runtime] sandbox: \"kvm\" is not a sandbox kind (expected \"vm\" or \"process\")")]
    [InlineData("[hypervisor]\n\nvcpus = \"two\"\n", "configuration.toml:3:1: [hypervisor] vcpus: expected an integer, got \"two\"")]
    [InlineData("[hypervisor]\nvcpus = 0\n", "configuration.toml:2:1: [hypervisor] vcpus: 0 is out of range (1..255)")]
    [InlineData("[hypervisor]\nkernel = \"vmlinux\"\n", "[hypervisor] kernel: \"vmlinux\" must be an absolute path")]
    [InlineData("[runtime]\ndebug = \"yes\"\n", "[runtime] debug: expected true or false")]
    [InlineData("[agent]\ncommand = []\n", "[agent] command: the first element must be the program's absolute path")]
    [InlineData("[agent]\ncommand = [\"/usr/bin/dotnet\", 3]\n", "[agent] command: every element must be a string")]
    [InlineData("[network]\nmode = \"none\"\n", "configuration.toml:1:1: unknown table [network]")]
    [InlineData("[network]\n", "unknown table [network]")]
    [InlineData("sandbox = \"process\"\n", "configuration.toml:1:1: key \"sandbox\" must be inside a table")]
    public void Mistakes_are_refused_with_file_line_and_the_problem(string text, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Parse(text, "configuration.toml"));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Invalid_toml_is_refused_with_its_position()
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Parse("[runtime]\nsandbox = \n", "c.toml"));
        Assert.StartsWith("configuration c.toml is not valid TOML:\nc.toml:2:", error.Message);
    }

    [Fact]
    public void A_named_file_that_does_not_exist_is_an_error_naming_it()
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Resolve("/nonexistent/kata.toml"));
        Assert.Contains("cannot read configuration /nonexistent/kata.toml", error.Message);
    }

    [Fact]
    public void An_explicit_path_is_read()
    {
        using var directory = new Infrastructure.TempDirectory();
        string path = directory.File("c.toml");
        File.WriteAllText(path, "[runtime]\nsandbox = \"process\"\n");
        KataConfiguration c = ConfigurationLoader.Resolve(path);
        Assert.Equal(SandboxKind.Process, c.Sandbox);
        Assert.Equal(path, c.SourcePath);
    }
}
