using Kata.Shim.Manager;

namespace Kata.Shim.Tests.Unit;

public sealed class ShimCommandLineTests
{
    [Fact]
    public void Containerd_1_6_start_flags_are_understood()
    {
        ShimInvocation i = ShimCommandLine.Parse(["-namespace", "k8s.io", "-address", "/run/containerd/containerd.sock",
            "-publish-binary", "/usr/bin/containerd", "-id", "abc", "-debug", "start"]);
        Assert.Equal(ShimAction.Start, i.Action);
        Assert.Equal("k8s.io", i.Namespace);
        Assert.Equal("/run/containerd/containerd.sock", i.ContainerdAddress);
        Assert.Equal("/usr/bin/containerd", i.PublishBinary);
        Assert.Equal("abc", i.Id);
        Assert.True(i.Debug);
    }

    [Fact]
    public void Delete_takes_bundle_and_equals_syntax()
    {
        ShimInvocation i = ShimCommandLine.Parse(["--namespace=default", "-id=c1", "-bundle", "/run/b/c1", "-debug=false", "delete"]);
        Assert.Equal(ShimAction.Delete, i.Action);
        Assert.Equal("/run/b/c1", i.BundleDirectory);
        Assert.False(i.Debug);
    }

    [Fact]
    public void No_action_is_the_daemon()
    {
        Assert.Equal(ShimAction.Daemon, ShimCommandLine.Parse(["-namespace", "default", "-id", "c1", "-address", "/a"]).Action);
    }

    [Theory]
    [InlineData(new[] { "-namespace", "n", "-id", "c", "-bogus", "x" }, "unknown flag -bogus")]
    [InlineData(new[] { "-namespace", "n", "-id", "c", "stop" }, "unknown action \"stop\"")]
    [InlineData(new[] { "-namespace", "n", "-id" }, "flag -id needs a value")]
    [InlineData(new[] { "-id", "c", "start" }, "-namespace is required")]
    [InlineData(new[] { "-namespace", "n", "start" }, "-id is required")]
    [InlineData(new[] { "-namespace", "n", "-id", "c", "start", "extra" }, "unexpected argument \"extra\" after start")]
    [InlineData(new[] { "-namespace", "n", "-id", "c", "-debug=maybe" }, "\"maybe\" is not a boolean")]
    public void Bad_command_lines_are_refused_clearly(string[] args, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ShimCommandLine.Parse(args));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void The_socket_address_follows_containerds_scheme()
    {
        string address = ShimSocket.Address("/run/containerd/containerd.sock", "default", "c1");
        string digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("/run/containerd/containerd.sock/default/c1"u8));
        Assert.Equal($"unix:///run/containerd/s/{digest}", address);
        Assert.Equal($"/run/containerd/s/{digest}", ShimSocket.PathOf(address));
        Assert.Equal("\0abstract", ShimSocket.PathOf("unix://@abstract"));
        Assert.Throws<FormatException>(() => ShimSocket.PathOf("/no/scheme"));
    }
}
