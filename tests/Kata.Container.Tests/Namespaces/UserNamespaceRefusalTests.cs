using Kata.Container.Tests.Infrastructure;
using Kata.Oci.Spec;

namespace Kata.Container.Tests.Namespaces;

/// <summary>User namespaces are refused (see NamespacePlan for why): create says so up front and leaves nothing.</summary>
public sealed class UserNamespaceRefusalTests
{
    [Fact]
    public void CreateWithAUserNamespaceFailsClearlyBeforeAnythingStarts()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["true"], spec => spec with
        {
            Linux = spec.Linux! with
            {
                Namespaces = [.. spec.Linux!.Namespaces!, new LinuxNamespace { Type = NamespaceType.User }],
                UidMappings = [new IdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }],
                GidMappings = [new IdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }],
            },
        });

        var error = Assert.Throws<NotSupportedException>(() => harness.Engine.Create("userns-refused", bundle.Directory));

        Assert.StartsWith("linux.namespaces: user namespaces are not supported by this engine", error.Message);
        Assert.Empty(harness.Engine.List());
        Assert.Empty(Directory.GetFileSystemEntries(harness.StateRoot));
        Assert.Empty(Leftovers.CgroupDirectories("userns-refused"));
    }
}
