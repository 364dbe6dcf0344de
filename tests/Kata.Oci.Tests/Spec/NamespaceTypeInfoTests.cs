using Kata.Oci.Spec;

namespace Kata.Oci.Tests.Spec;

public sealed class NamespaceTypeInfoTests
{
    [Fact]
    public void ProcFileNames_ExistUnderProcSelfNs()
    {
        foreach (var type in Enum.GetValues<NamespaceType>())
        {
            var file = Path.Combine("/proc/self/ns", type.ProcFileName());
            Assert.True(File.Exists(file) || Directory.Exists(file) || new FileInfo(file).LinkTarget is not null,
                $"{type.SpecName()}: {file} does not exist");
            Assert.StartsWith($"{type.ProcFileName()}:[", new FileInfo(file).LinkTarget);
        }
    }

    [Fact]
    public void CloneFlags_AreDistinctSingleBits_AndMatchTheKernelHeaderValues()
    {
        var flags = Enum.GetValues<NamespaceType>().Select(t => t.CloneFlag()).ToList();

        Assert.Equal(flags.Count, flags.Distinct().Count());
        Assert.All(flags, f => Assert.Equal(1, System.Numerics.BitOperations.PopCount((uint)f)));
        Assert.Equal(0x00020000, NamespaceType.Mount.CloneFlag());
        Assert.Equal(0x40000000, NamespaceType.Network.CloneFlag());
        Assert.Equal("network", NamespaceType.Network.SpecName());
    }
}
