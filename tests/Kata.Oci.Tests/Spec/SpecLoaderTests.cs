using System.Text.Json.Nodes;
using Kata.Oci.Spec;
using Kata.Oci.Tests.Infrastructure;

namespace Kata.Oci.Tests.Spec;

/// <summary>Bad bundles and bad JSON: each gets one clear error naming where and what.</summary>
public sealed class SpecLoaderTests
{
    [Fact]
    public void Load_BundleWithoutConfig_SaysSo()
    {
        using var bundle = new TempDirectory();

        var error = Assert.Throws<SpecValidationException>(() => SpecLoader.Load(bundle.Path));

        Assert.Equal($"bundle {bundle.Path} has no config.json", error.Message);
    }

    [Fact]
    public void Load_MissingBundle_SaysSo()
    {
        using var scratch = new TempDirectory();
        var missing = Path.Combine(scratch.Path, "nope");

        var error = Assert.Throws<SpecValidationException>(() => SpecLoader.Load(missing));

        Assert.Equal($"bundle {missing} does not exist", error.Message);
    }

    [Fact]
    public void Load_BundleThatIsAFile_SaysSo()
    {
        using var scratch = new TempDirectory();
        var file = scratch.Write("file", "x");

        var error = Assert.Throws<SpecValidationException>(() => SpecLoader.Load(file));

        Assert.Equal($"bundle {file} is not a directory", error.Message);
    }

    [Fact]
    public void Load_ProblemsAreReportedAgainstTheFilePath()
    {
        using var bundle = new TempDirectory();
        var json = SpecJson.Default();
        json.Process()["args"] = new JsonArray();
        var config = bundle.Write("config.json", json.ToJsonString());

        var error = Assert.Throws<SpecValidationException>(() => SpecLoader.Load(bundle.Path));

        Assert.Equal($"{config}: process.args: must not be empty", error.Message);
        Assert.Equal(config, error.SourceName);
    }

    [Fact]
    public void TruncatedJson_ReportsLineAndPosition()
    {
        var text = DefaultSpec.CreateJson();
        var truncated = text[..text.IndexOf("\"cwd\"", StringComparison.Ordinal)];

        var error = SpecJson.Fails(truncated);

        var problem = Assert.Single(error.Problems);
        Assert.Equal("", problem.Path);
        var lines = truncated.Split('\n').Length;
        Assert.StartsWith($"malformed JSON at line {lines}, position ", problem.Message);
        Assert.StartsWith($"config.json: malformed JSON at line {lines}", error.Message);
    }

    [Theory]
    [InlineData("{\"ociVersion\": \"1.2.0\",\n  \"root\" {}}", 2, 10, "'{' is invalid after a property name. Expected a ':'.")]
    [InlineData("{\"ociVersion\": \"1.2.0\",}", 1, 24, "The JSON object contains a trailing comma at the end which is not supported in this mode. Change the reader options.")]
    public void MalformedJson_ReportsWhereAndWhy(string json, int line, int position, string why)
    {
        SpecJson.FailsWithOnly(json, "", $"malformed JSON at line {line}, position {position}: {why}");
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n\t")]
    public void EmptyDocument_SaysSo(string json)
    {
        SpecJson.FailsWithOnly(json, "", "the document is empty (expected a JSON object)");
    }

    [Fact]
    public void ArgsAsAString_IsAWrongType()
    {
        var json = SpecJson.Default();
        json.Process()["args"] = "sh";

        SpecJson.FailsWithOnly(json, "process.args", "expected an array of strings, got a string (\"sh\")");
    }

    [Fact]
    public void WrongTypes_NameTheMemberAndWhatWasExpected()
    {
        var json = SpecJson.Default();
        json.Process()["terminal"] = "yes";
        SpecJson.FailsWithOnly(json, "process.terminal", "expected true or false, got a string (\"yes\")");

        json = SpecJson.Default();
        json.Process()["user"]!["uid"] = -1;
        SpecJson.FailsWithOnly(json, "process.user.uid", "expected an integer from 0 to 4294967295, got a number (-1)");

        json = SpecJson.Default();
        json.Process()["args"] = new JsonArray("sh", 5);
        SpecJson.FailsWithOnly(json, "process.args[1]", "expected a string, got a number (5)");

        json = SpecJson.Default();
        json["mounts"] = new JsonObject();
        SpecJson.FailsWithOnly(json, "mounts", "expected an array of objects, got an object");

        json = SpecJson.Default();
        json.Linux()["sysctl"] = new JsonObject { ["net.ipv4.ip_forward"] = 1 };
        SpecJson.FailsWithOnly(json, "linux.sysctl[\"net.ipv4.ip_forward\"]", "expected a string, got a number (1)");

        json = SpecJson.Default();
        json.Linux()["resources"]!["memory"] = new JsonObject { ["limit"] = 1.5 };
        SpecJson.FailsWithOnly(json, "linux.resources.memory.limit",
            "expected an integer from -9223372036854775808 to 9223372036854775807, got a number (1.5)");
    }

    [Fact]
    public void NullWhereTheSpecHasNoNull_IsAWrongType()
    {
        var json = SpecJson.Default();
        json.Process()["cwd"] = null;

        SpecJson.FailsWithOnly(json, "process.cwd", "expected a string, got null");
    }

    [Fact]
    public void NullInsideAStringArray_IsAProblem()
    {
        var json = SpecJson.Default();
        json.Process()["args"] = new JsonArray("sh", null);

        SpecJson.FailsWithOnly(json, "process.args[1]", "must be a string, got null");
    }

    [Fact]
    public void TopLevelNotAnObject()
    {
        SpecJson.FailsWithOnly("[]", "", "expected an object, got an array");
        SpecJson.FailsWithOnly("null", "", "expected an object, got null");
    }

    [Fact]
    public void UnknownNamespaceType_IsNamedWithItsIndex()
    {
        var json = SpecJson.Default();
        json.Linux()["namespaces"]![2]!["type"] = "foo";

        SpecJson.FailsWithOnly(json, "linux.namespaces[2].type",
            "unknown namespace type \"foo\" (expected one of: pid, network, mount, ipc, uts, user, cgroup, time)");
    }

    [Fact]
    public void UnknownSeccompStrings_AreNamed()
    {
        var json = SpecJson.Default();
        json.Linux()["seccomp"] = JsonNode.Parse("""{"defaultAction": "SCMP_ACT_EXPLODE"}""");
        var error = SpecJson.Fails(json);
        Assert.Equal("linux.seccomp.defaultAction", Assert.Single(error.Problems).Path);
        Assert.StartsWith("unknown seccomp action \"SCMP_ACT_EXPLODE\"", error.Problems[0].Message);

        json = SpecJson.Default();
        json.Linux()["seccomp"] = JsonNode.Parse(
            """{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ALMOST"}]}]}""");
        error = SpecJson.Fails(json);
        Assert.Equal("linux.seccomp.syscalls[0].args[0].op", Assert.Single(error.Problems).Path);
        Assert.StartsWith("unknown seccomp operator \"SCMP_CMP_ALMOST\"", error.Problems[0].Message);

        json = SpecJson.Default();
        json.Linux()["seccomp"] = JsonNode.Parse("""{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]}""");
        error = SpecJson.Fails(json);
        Assert.Equal("linux.seccomp.architectures[0]", Assert.Single(error.Problems).Path);
        Assert.StartsWith("unknown seccomp architecture \"SCMP_ARCH_Z80\"", error.Problems[0].Message);
    }

    [Fact]
    public void EnumGivenAsANumber_IsRefused()
    {
        var json = SpecJson.Default();
        json.Linux()["namespaces"]![0]!["type"] = 1;

        SpecJson.FailsWithOnly(json, "linux.namespaces[0].type", "expected a string (namespace type), got a number");
    }

    [Fact]
    public void MissingRequiredEnumMembers_AreNamed()
    {
        var json = SpecJson.Default();
        json.Linux()["namespaces"]![1] = new JsonObject { ["path"] = "/proc/1/ns/net" };
        SpecJson.FailsWithOnly(json, "linux.namespaces[1].type", "is required");

        json = SpecJson.Default();
        json.Linux()["seccomp"] = JsonNode.Parse("""{"syscalls": []}""");
        SpecJson.FailsWithOnly(json, "linux.seccomp.defaultAction", "is required");
    }

    [Fact]
    public void SeveralProblems_AreAllReported_OneLineEach()
    {
        var json = SpecJson.Default();
        json.Process()["args"] = new JsonArray();
        json.Process()["cwd"] = "relative";
        json["root"]!["path"] = "";

        var error = SpecJson.Fails(json);

        Assert.Equal(
            [
                new SpecProblem("root.path", "must not be empty"),
                new SpecProblem("process.args", "must not be empty"),
                new SpecProblem("process.cwd", "must be an absolute path, got \"relative\""),
            ],
            error.Problems);
        Assert.Equal(
            "config.json: root.path: must not be empty\n" +
            "config.json: process.args: must not be empty\n" +
            "config.json: process.cwd: must be an absolute path, got \"relative\"",
            error.Message);
    }

    [Fact]
    public void Deserialize_SkipsTheSemanticChecks_ButNotTheTypes()
    {
        var json = SpecJson.Default();
        json.Process()["args"] = new JsonArray();

        var spec = SpecLoader.Deserialize(json.ToJsonString(), SpecJson.Source);

        Assert.Empty(spec.Process!.Args!);
        json.Process()["args"] = "sh";
        Assert.Throws<SpecValidationException>(() => SpecLoader.Deserialize(json.ToJsonString(), SpecJson.Source));
    }
}
