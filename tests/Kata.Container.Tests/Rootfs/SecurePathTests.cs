using Kata.Container.Rootfs;

namespace Kata.Container.Tests.Rootfs;

public sealed class SecurePathTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kata-securepath-").FullName;

    [Fact]
    public void DotDotCannotClimbAboveTheRoot()
    {
        Assert.Equal(_root + "/etc/passwd", SecurePath.Join(_root, "/../../../etc/passwd"));
        Assert.Equal(_root + "/b", SecurePath.Join(_root, "/a/../../b"));
        Assert.Equal(_root, SecurePath.Join(_root, "/"));
    }

    [Fact]
    public void AbsoluteSymlinksResolveInsideTheRoot()
    {
        Directory.CreateDirectory(Path.Combine(_root, "real"));
        File.CreateSymbolicLink(Path.Combine(_root, "escape"), "/etc");
        File.CreateSymbolicLink(Path.Combine(_root, "up"), "../../../../real");

        Assert.Equal(_root + "/etc/shadow", SecurePath.Join(_root, "/escape/shadow"));
        Assert.Equal(_root + "/real/x", SecurePath.Join(_root, "/up/x"));
    }

    [Fact]
    public void SymlinkLoopsAreReported()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "loop"), "/loop");
        var error = Assert.Throws<ContainerConfigException>(() => SecurePath.Join(_root, "/loop/x"));
        Assert.Contains("too many levels", error.Message);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
