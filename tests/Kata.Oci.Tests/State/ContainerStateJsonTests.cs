using System.Text.Json.Nodes;
using Kata.Oci.Spec;
using Kata.Oci.State;

namespace Kata.Oci.Tests.State;

public sealed class ContainerStateJsonTests
{
    [Fact]
    public void Serialize_UsesTheSpecFieldNames()
    {
        var state = new ContainerState
        {
            Id = "abc",
            Status = ContainerStatus.Running,
            Pid = 4242,
            Bundle = "/run/bundles/abc",
            Annotations = new Dictionary<string, string> { ["io.example"] = "yes" },
        };

        Assert.Equal(
            """{"ociVersion":"1.2.0","id":"abc","status":"running","pid":4242,"bundle":"/run/bundles/abc","annotations":{"io.example":"yes"}}""",
            StateSerializer.Serialize(state));
    }

    [Fact]
    public void Serialize_LeavesOutPidZeroAndMissingAnnotations_AsTheGoBindingsDo()
    {
        var state = new ContainerState { Id = "abc", Status = ContainerStatus.Stopped, Bundle = "/b" };

        Assert.Equal("""{"ociVersion":"1.2.0","id":"abc","status":"stopped","bundle":"/b"}""", StateSerializer.Serialize(state));
        Assert.Equal(StateSerializer.Serialize(state), System.Text.Encoding.UTF8.GetString(StateSerializer.SerializeToUtf8Bytes(state)));
    }

    [Fact]
    public void Serialize_Indented_ForPeople_SameContent()
    {
        var state = new ContainerState { Id = "abc", Status = ContainerStatus.Created, Pid = 9, Bundle = "/b" };

        var indented = StateSerializer.Serialize(state, indented: true);

        Assert.Equal("{\n  \"ociVersion\": \"1.2.0\",\n  \"id\": \"abc\",\n  \"status\": \"created\",\n  \"pid\": 9,\n  \"bundle\": \"/b\"\n}",
            indented.ReplaceLineEndings("\n"));
        Assert.Equal(state, StateSerializer.Parse(indented, "state"));
    }

    [Theory]
    [InlineData(ContainerStatus.Creating, "creating")]
    [InlineData(ContainerStatus.Created, "created")]
    [InlineData(ContainerStatus.Running, "running")]
    [InlineData(ContainerStatus.Stopped, "stopped")]
    [InlineData(ContainerStatus.Paused, "paused")]
    public void Status_IsWrittenAndReadAsTheSpecString(ContainerStatus status, string name)
    {
        var json = StateSerializer.Serialize(new ContainerState { Id = "x", Status = status, Pid = 1, Bundle = "/b" });

        Assert.Equal(name, (string?)JsonNode.Parse(json)!["status"]);
        Assert.Equal(status, StateSerializer.Parse(json, "state").Status);
    }

    [Fact]
    public void Parse_ReadsRuncsStateOutput_IgnoringItsExtraFields()
    {
        const string runcState = """
            {
              "ociVersion": "1.0.2-dev",
              "id": "web",
              "pid": 1234,
              "status": "paused",
              "bundle": "/srv/web",
              "rootfs": "/srv/web/rootfs",
              "created": "2024-01-01T00:00:00.000000000Z",
              "owner": ""
            }
            """;

        var state = StateSerializer.Parse(runcState, "runc state");

        Assert.Equal(new ContainerState { OciVersion = "1.0.2-dev", Id = "web", Pid = 1234, Status = ContainerStatus.Paused, Bundle = "/srv/web" }, state);
    }

    [Fact]
    public void Parse_BadStates_NameTheMember()
    {
        var error = Assert.Throws<SpecValidationException>(() =>
            StateSerializer.Parse("""{"ociVersion": "1.2.0", "id": "a", "status": "zombie", "bundle": "/b"}""", "state.json"));
        Assert.Equal("state.json: status: unknown container status \"zombie\" (expected one of: creating, created, running, stopped, paused)", error.Message);

        error = Assert.Throws<SpecValidationException>(() => StateSerializer.Parse("""{"status": "created", "bundle": "/b"}""", "state.json"));
        Assert.Equal([new SpecProblem("id", "is required")], error.Problems);

        error = Assert.Throws<SpecValidationException>(() => StateSerializer.Parse("""{"id": "a", "status": "created", "bundle": "/b", "pid": "12"}""", "state.json"));
        Assert.Equal([new SpecProblem("pid", "expected an integer from -2147483648 to 2147483647, got a string (\"12\")")], error.Problems);

        error = Assert.Throws<SpecValidationException>(() => StateSerializer.Parse("""{"id": "a", """, "state.json"));
        Assert.StartsWith("state.json: malformed JSON at line 1, position ", error.Message);
    }

    [Fact]
    public void Parse_MissingVersion_KeepsTheDefault()
    {
        var state = StateSerializer.Parse("""{"id": "a", "status": "created", "pid": 7, "bundle": "/b"}""", "state.json");

        Assert.Equal(SpecValidator.ImplementedVersion, state.OciVersion);
    }
}
