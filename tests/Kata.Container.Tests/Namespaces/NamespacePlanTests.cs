using Kata.Container.Namespaces;
using Kata.Oci.Spec;

namespace Kata.Container.Tests.Namespaces;

public sealed class NamespacePlanTests
{
    [Fact]
    public void PidIsSeparatedAndTheRestComeInStageOrder()
    {
        var plan = NamespacePlan.From(DefaultSpec.Create(["true"], terminal: false));

        Assert.True(plan.IsNew(NamespaceType.Pid));
        Assert.Equal([NamespaceType.Ipc, NamespaceType.Uts, NamespaceType.Network, NamespaceType.Mount, NamespaceType.Cgroup],
            plan.Stage.Select(n => n.Type));
    }

    [Fact]
    public void DuplicatesMissingPathsAndUnsupportedKindsAreRefusedByName()
    {
        Assert.Contains("more than once", Assert.Throws<ContainerConfigException>(() => NamespacePlan.From(With(
            new LinuxNamespace { Type = NamespaceType.Network }, new LinuxNamespace { Type = NamespaceType.Network }))).Message);
        Assert.Contains("/proc/999999999/ns/net", Assert.Throws<ContainerConfigException>(() => NamespacePlan.From(With(
            new LinuxNamespace { Type = NamespaceType.Network, Path = "/proc/999999999/ns/net" }))).Message);
        Assert.Contains("time namespaces", Assert.Throws<NotSupportedException>(() => NamespacePlan.From(With(
            new LinuxNamespace { Type = NamespaceType.Time }))).Message);
        var user = Assert.Throws<NotSupportedException>(() => NamespacePlan.From(With(
            new LinuxNamespace { Type = NamespaceType.Mount }, new LinuxNamespace { Type = NamespaceType.User })));
        Assert.StartsWith("linux.namespaces: user namespaces are not supported", user.Message);
        Assert.Contains("remove the \"user\" entry", user.Message);
    }

    private static RuntimeSpec With(params LinuxNamespace[] namespaces) =>
        new() { Linux = new LinuxSpec { Namespaces = namespaces } };
}
