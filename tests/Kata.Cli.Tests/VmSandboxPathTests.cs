using System.Text.Json.Nodes;
using Kata.Cli.Tests.Infrastructure;

namespace Kata.Cli.Tests;

/// <summary>
/// `kata-style --sandbox vm run` up to the VMM: the bundle's rootfs becomes a cached erofs image that the VMM is
/// started with, and what a VM cannot honour is refused before anything starts. The VMM here is a script that records
/// its arguments (this host cannot boot the guest: `make e2e-vm` runs the rest where it can).
/// </summary>
public sealed class VmSandboxPathTests : IDisposable
{
    private readonly KataStyle _cli = new();

    public void Dispose() => _cli.Dispose();

    private string FakeVmmArguments => Path.Combine(_cli.Scratch, "fake-vmm.args");
    private string ImageCache => Path.Combine(_cli.Scratch, "images");

    /// <summary>The global flags with the vm sandbox and a configuration whose VMM is a script that says why it stops.</summary>
    private IReadOnlyList<string> VmGlobals()
    {
        string script = Path.Combine(_cli.Scratch, "fake-vmm.sh");
        File.WriteAllText(script, $"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{FakeVmmArguments}'\necho 'fake-vmm: no KVM for this test' >&2\nexit 1\n");
        string kernel = Path.Combine(_cli.Scratch, "vmlinux");
        string initrd = Path.Combine(_cli.Scratch, "initramfs.cpio.gz");
        File.WriteAllBytes(kernel, [0]);
        File.WriteAllBytes(initrd, [0]);
        string config = Path.Combine(_cli.Scratch, "vm-configuration.toml");
        File.WriteAllText(config, $"""
            [runtime]
            sandbox = "vm"
            image_cache_dir = "{ImageCache}"

            [hypervisor]
            command = ["/bin/sh", "{script}"]
            kernel = "{kernel}"
            initrd = "{initrd}"

            [agent]
            timeout_seconds = 5
            """);
        return ["--root", _cli.Root, "--config", config, "--sandbox", "vm", "--log", Path.Combine(_cli.Scratch, "cli.log")];
    }

    private static void RequireImageTools()
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/sbin/mkfs.erofs") && !File.Exists("/usr/bin/mkfs.erofs"))
        {
            Assert.Skip("needs root and mkfs.erofs (`make deps`)");
        }
    }

    [Fact]
    public async Task Run_BuildsTheRootfsImage_AndStartsTheVmmWithItAsAReadOnlyDisk()
    {
        RequireImageTools();
        string bundle = await BusyboxBundle.CreateAsync(_cli, "vmrun", ["echo", "hello"]);

        CliResult run = await _cli.RunAsync([.. VmGlobals(), "run", "--bundle", bundle, "vmrun"], quietGlobals: true);

        run.Failed("exited before the agent answered");
        Assert.Contains("fake-vmm: no KVM for this test", run.Stderr, StringComparison.Ordinal);
        string image = Assert.Single(Directory.GetFiles(ImageCache, "*.erofs"));
        string[] arguments = File.ReadAllLines(FakeVmmArguments);
        int block = Array.IndexOf(arguments, "--block");
        Assert.True(block >= 0, string.Join(' ', arguments));
        Assert.Equal($"{image},ro,serial=rootfs-vmrun", arguments[block + 1]);
        Leftovers.AssertNone(_cli, "vmrun");
    }

    [Fact]
    public async Task Run_RefusesAHostBindMount_NamingIt_BeforeAnyImageOrVmm()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "vmbind", ["true"]);
        string configPath = Path.Combine(bundle, "config.json");
        JsonNode config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["mounts"]!.AsArray().Add(new JsonObject
        {
            ["destination"] = "/data",
            ["type"] = "bind",
            ["source"] = _cli.Scratch,
            ["options"] = new JsonArray("rbind", "rw"),
        });
        File.WriteAllText(configPath, config.ToJsonString());

        CliResult run = await _cli.RunAsync([.. VmGlobals(), "run", "--bundle", bundle, "vmbind"], quietGlobals: true);

        run.Failed($"container vmbind: mount /data is a bind mount of the host's {_cli.Scratch}");
        Assert.False(File.Exists(FakeVmmArguments));
        Assert.False(Directory.Exists(ImageCache));
        Leftovers.AssertNone(_cli, "vmbind");
    }
}
