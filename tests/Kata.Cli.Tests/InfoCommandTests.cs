using System.Text.Json;
using Kata.Cli.Tests.Infrastructure;

namespace Kata.Cli.Tests;

/// <summary>spec, features, version, check, env, --sandbox auto.</summary>
public sealed class InfoCommandTests : IDisposable
{
    private readonly KataStyle _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Spec_writes_a_default_config_and_never_overwrites_one()
    {
        string bundle = Path.Combine(_cli.Scratch, "spec");
        Directory.CreateDirectory(bundle);

        (await _cli.RunAsync("spec", "--bundle", bundle)).Succeeded();
        using (JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(bundle, "config.json"))))
        {
            Assert.Equal("1.2.0", config.RootElement.GetProperty("ociVersion").GetString());
            Assert.Equal("rootfs", config.RootElement.GetProperty("root").GetProperty("path").GetString());
            Assert.Equal("sh", config.RootElement.GetProperty("process").GetProperty("args")[0].GetString());
        }
        (await _cli.RunAsync("spec", "--bundle", bundle)).Failed("already exists: remove it first");
        (await _cli.RunAsync("spec", "--bundle", Path.Combine(_cli.Scratch, "nope"))).Failed("does not exist");
    }

    [Fact]
    public async Task Features_prints_the_oci_features_document()
    {
        using JsonDocument features = JsonDocument.Parse((await _cli.RunAsync("features")).Succeeded().Stdout);
        Assert.Equal("1.0.0", features.RootElement.GetProperty("ociVersionMin").GetString());
        Assert.Contains("prestart", features.RootElement.GetProperty("hooks").EnumerateArray().Select(h => h.GetString()));
    }

    [Fact]
    public async Task Version_names_the_runtime_and_the_spec()
    {
        string version = (await _cli.RunAsync("version")).Succeeded().Stdout;
        Assert.StartsWith("kata-style version ", version);
        Assert.Contains("spec: 1.2.0", version);
    }

    [Fact]
    public async Task Check_reports_kvm_virtualization_cgroups_and_the_guest_image()
    {
        string report = (await _cli.RunAsync("check")).Succeeded().Stdout;
        Assert.Contains("/dev/kvm", report);
        Assert.Contains("virtualization", report);
        Assert.Contains("cgroups: ", report);
        Assert.Contains("guest kernel", report);
        Assert.Contains("containerd", report);
        Assert.Contains("process sandbox: usable", report);
        if (Directory.Exists("/sys/module/kvm_pvm") && !File.ReadAllText("/proc/cpuinfo").Contains(" vmx", StringComparison.Ordinal))
        {
            Assert.Contains("PVM", report);
        }
    }

    [Fact]
    public async Task Env_prints_the_resolved_configuration()
    {
        string env = (await _cli.RunAsync("env")).Succeeded().Stdout;
        Assert.Contains($"config             = {_cli.ConfigPath}", env);
        Assert.Contains($"root               = {_cli.Root}", env);
        Assert.Contains("sandbox            = process (--sandbox process)", env);
        Assert.Contains("kata-style-agent.dll", env);
    }

    [Fact]
    public async Task Sandbox_auto_says_what_it_chose_and_why()
    {
        string env = (await _cli.RunAsync(["--root", _cli.Root, "--config", _cli.ConfigPath, "--sandbox", "auto", "env"], quietGlobals: true)).Succeeded().Stdout;

        string line = env.Split('\n').Single(l => l.StartsWith("sandbox", StringComparison.Ordinal));
        Assert.Contains("auto: ", line);
        bool vmPossible = File.Exists("/dev/kvm") && File.ReadAllText("/proc/cpuinfo").Split(' ', '\t', '\n').Any(f => f is "vmx" or "svm");
        if (!vmPossible)
        {
            Assert.Contains("process", line);
            Assert.Contains("because", line);
        }
    }
}
