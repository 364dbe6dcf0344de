using Kata.Hypervisor.Tests.Cli;
using Kata.Hypervisor.Vmm;
using Kata.Vmm;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Vsock;

/// <summary><c>--vsock-cid N --vsock-uds PATH</c> and their config-file forms → <see cref="VmConfig"/>, and the usage errors.</summary>
public sealed class VsockConfigTests : IDisposable
{
    private readonly CliTempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Flags_MapToVmConfig()
    {
        string uds = Path.Combine(_files.Dir, "vsock.sock");

        VmmCliResult result = VmmCommandLine.Parse(["--kernel", _files.Kernel, "--vsock-cid", "42", "--vsock-uds", uds]);

        Assert.Empty(result.Errors);
        Assert.Equal(42UL, result.Settings!.Config.VsockCid);
        Assert.Equal(uds, result.Settings.Config.VsockUdsPath);
    }

    [Fact]
    public void NoFlags_NoVsock()
    {
        VmmCliResult result = VmmCommandLine.Parse(["--kernel", _files.Kernel]);
        Assert.Null(result.Settings!.Config.VsockCid);
        Assert.Null(result.Settings.Config.VsockUdsPath);
    }

    [Fact]
    public void ConfigFile_GivesVsock_RelativeToTheFile_AndFlagsOverrideIt()
    {
        string config = _files.Write("vm.json", """{"kernel": "vmlinux", "vsockCid": 7, "vsockUds": "v.sock"}""");

        VmmCliResult fromFile = VmmCommandLine.Parse(["--config", config]);
        VmmCliResult overridden = VmmCommandLine.Parse(["--config", config, "--vsock-cid", "9"]);

        Assert.Empty(fromFile.Errors);
        Assert.Equal(7UL, fromFile.Settings!.Config.VsockCid);
        Assert.Equal(Path.Combine(_files.Dir, "v.sock"), fromFile.Settings.Config.VsockUdsPath);
        Assert.Equal(9UL, overridden.Settings!.Config.VsockCid);
    }

    [Theory]
    [InlineData("2", "--vsock-cid: 2 is reserved")]
    [InlineData("4294967295", "--vsock-cid: 4294967295 is reserved")]
    [InlineData("abc", "--vsock-cid: 'abc' is not a whole number")]
    [InlineData("-3", "--vsock-cid: '-3' is not a whole number")]
    public void BadCid_IsAUsageErrorNamingTheFlag(string cid, string message)
    {
        VmmCliResult result = VmmCommandLine.Parse(["--kernel", _files.Kernel, "--vsock-cid", cid, "--vsock-uds", Path.Combine(_files.Dir, "v.sock")]);

        Assert.Null(result.Settings);
        Assert.Contains(result.Errors, e => e.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void CidWithoutPath_AndPathWithoutCid_AreUsageErrors()
    {
        VmmCliResult noPath = VmmCommandLine.Parse(["--kernel", _files.Kernel, "--vsock-cid", "3"]);
        VmmCliResult noCid = VmmCommandLine.Parse(["--kernel", _files.Kernel, "--vsock-uds", Path.Combine(_files.Dir, "v.sock")]);

        Assert.Contains(noPath.Errors, e => e.StartsWith("--vsock-uds: a Unix socket path is required", StringComparison.Ordinal));
        Assert.Contains(noCid.Errors, e => e.StartsWith("--vsock-cid: a guest CID is required", StringComparison.Ordinal));
    }

    [Fact]
    public void PathInAMissingDirectory_OrTooLong_IsAUsageError()
    {
        VmmCliResult missing = VmmCommandLine.Parse(["--kernel", _files.Kernel, "--vsock-cid", "3", "--vsock-uds", "/nonexistent-dir/v.sock"]);
        VmmCliResult tooLong = VmmCommandLine.Parse(["--kernel", _files.Kernel, "--vsock-cid", "3", "--vsock-uds", "/tmp/" + new string('v', 100)]);

        Assert.Contains(missing.Errors, e => e.StartsWith("--vsock-uds: directory /nonexistent-dir does not exist", StringComparison.Ordinal));
        Assert.Contains(tooLong.Errors, e => e.StartsWith("--vsock-uds:", StringComparison.Ordinal) && e.Contains("too long", StringComparison.Ordinal));
    }
}
