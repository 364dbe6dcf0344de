using System.Diagnostics;
using System.Text.Json.Nodes;
using Kata.Oci.Features;
using Kata.Oci.Spec;
using Kata.Oci.Tests.Infrastructure;

namespace Kata.Oci.Tests.Features;

public sealed class FeaturesTests
{
    private static string RuncFeatures()
    {
        if (!File.Exists(RuncSpec.RuncPath))
        {
            Assert.Skip($"{RuncSpec.RuncPath} is not installed: cannot compare with runc features");
        }

        var start = new ProcessStartInfo(RuncSpec.RuncPath) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("features");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return stdout;
    }

    [Fact]
    public void RuncFeatures_RoundTripThroughTheModel()
    {
        var original = RuncFeatures();

        var features = FeaturesCatalog.Parse(original, "runc features");

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(original), JsonNode.Parse(FeaturesCatalog.Serialize(features))));
        Assert.True(features.Linux!.Cgroup!.V1);
    }

    [Fact]
    public void Recognized_CoversEverythingRuncRecognizes()
    {
        var runc = FeaturesCatalog.Parse(RuncFeatures(), "runc features");
        var ours = FeaturesCatalog.Recognized();

        Assert.Equal(runc.Hooks, ours.Hooks);
        Assert.Subset(ours.Linux!.Namespaces!.ToHashSet(), runc.Linux!.Namespaces!.ToHashSet());
        Assert.Subset(ours.Linux.Capabilities!.ToHashSet(), runc.Linux.Capabilities!.ToHashSet());
        Assert.Subset(ours.Linux.Seccomp!.Actions!.ToHashSet(), runc.Linux.Seccomp!.Actions!.ToHashSet());
        Assert.Subset(ours.Linux.Seccomp.Operators!.ToHashSet(), runc.Linux.Seccomp.Operators!.ToHashSet());
        Assert.Subset(ours.Linux.Seccomp.Archs!.ToHashSet(), runc.Linux.Seccomp.Archs!.ToHashSet());
    }

    [Fact]
    public void Recognized_StatesOurVersionRange_AndLeavesUnknownsOut()
    {
        var json = JsonNode.Parse(FeaturesCatalog.Serialize(FeaturesCatalog.Recognized()))!;

        Assert.Equal("1.0.0", (string?)json["ociVersionMin"]);
        Assert.Equal(SpecValidator.ImplementedVersion, (string?)json["ociVersionMax"]);
        Assert.Equal("time", (string?)json["linux"]!["namespaces"]!.AsArray().Last());
        Assert.Equal("CAP_CHOWN", (string?)json["linux"]!["capabilities"]![0]);
        Assert.Null(json["mountOptions"]);
        Assert.Null(json["linux"]!["cgroup"]);
        Assert.Null(json["linux"]!["seccomp"]!["enabled"]);
    }

    [Fact]
    public void Parse_BadDocument_NamesTheMember()
    {
        var error = Assert.Throws<SpecValidationException>(() => FeaturesCatalog.Parse("""{"linux": {"cgroup": {"v1": "yes"}}}""", "features.json"));

        Assert.Equal("features.json: linux.cgroup.v1: expected true or false, got a string (\"yes\")", error.Message);
    }
}
