using System.Text.Json;

namespace Kata.Cli.Tests.Infrastructure;

/// <summary>The fields of `kata-style state` output the tests check (parsed independently of the CLI's own types).</summary>
public sealed record ContainerStateJson(string OciVersion, string Id, string Status, int Pid, string Bundle, IReadOnlyDictionary<string, string> Annotations)
{
    public static ContainerStateJson Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        var annotations = new Dictionary<string, string>();
        if (root.TryGetProperty("annotations", out JsonElement map))
        {
            foreach (JsonProperty pair in map.EnumerateObject())
            {
                annotations[pair.Name] = pair.Value.GetString()!;
            }
        }
        return new ContainerStateJson(root.GetProperty("ociVersion").GetString()!, root.GetProperty("id").GetString()!,
            root.GetProperty("status").GetString()!, root.TryGetProperty("pid", out JsonElement pid) ? pid.GetInt32() : 0,
            root.GetProperty("bundle").GetString()!, annotations);
    }

    public static async Task<ContainerStateJson> OfAsync(KataStyle cli, string id) =>
        Parse((await cli.RunAsync("state", id)).Succeeded().Stdout);

    /// <summary>Polls `state` until the container reports <paramref name="status"/> (the container ends on its own schedule).</summary>
    public static async Task<ContainerStateJson> WaitForAsync(KataStyle cli, string id, string status)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            ContainerStateJson state = await OfAsync(cli, id);
            if (state.Status == status)
            {
                return state;
            }
            Assert.True(DateTime.UtcNow < giveUp, $"container {id} stayed {state.Status}, expected {status}");
            await Task.Delay(100);
        }
    }
}
