using System.Text.Json.Nodes;
using Kata.Oci.Spec;

namespace Kata.Oci.Tests.Infrastructure;

/// <summary>Helpers to start from a valid configuration, break one thing, and see what the loader says.</summary>
public static class SpecJson
{
    public const string Source = "config.json";

    /// <summary>The default configuration as a mutable JSON tree.</summary>
    public static JsonObject Default() => JsonNode.Parse(DefaultSpec.CreateJson())!.AsObject();

    public static JsonObject Process(this JsonObject spec) => spec["process"]!.AsObject();

    public static JsonObject Linux(this JsonObject spec) => spec["linux"]!.AsObject();

    /// <summary>Parses <paramref name="json"/>, which must fail, and returns the exception.</summary>
    public static SpecValidationException Fails(string json) =>
        Assert.Throws<SpecValidationException>(() => SpecLoader.Parse(json, Source));

    public static SpecValidationException Fails(JsonNode spec) => Fails(spec.ToJsonString());

    /// <summary>Asserts that parsing fails and that one of the problems is exactly <paramref name="path"/>: <paramref name="message"/>.</summary>
    public static SpecValidationException FailsWith(JsonNode spec, string path, string message)
    {
        var error = Fails(spec);
        Assert.Contains(new SpecProblem(path, message), error.Problems);
        return error;
    }

    /// <summary>Asserts that parsing fails with exactly this one problem, and that the message reads <c>config.json: path: message</c>.</summary>
    public static void FailsWithOnly(string json, string path, string message)
    {
        var error = Fails(json);
        Assert.Equal([new SpecProblem(path, message)], error.Problems);
        Assert.Equal(path.Length == 0 ? $"{Source}: {message}" : $"{Source}: {path}: {message}", error.Message);
    }

    public static void FailsWithOnly(JsonNode spec, string path, string message) => FailsWithOnly(spec.ToJsonString(), path, message);
}
