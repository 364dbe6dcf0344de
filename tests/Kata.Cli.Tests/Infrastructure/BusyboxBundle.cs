using System.Text.Json.Nodes;

namespace Kata.Cli.Tests.Infrastructure;

/// <summary>
/// An OCI bundle built by the test: rootfs with the host's static /bin/busybox and its applet links, config.json
/// from `kata-style spec`, edited (args, terminal, annotations).
/// </summary>
public static class BusyboxBundle
{
    public const string Busybox = "/bin/busybox";
    private static readonly string[] s_applets = ["sh", "echo", "true", "false", "sleep", "cat", "ls", "pwd", "id", "test", "tty", "stty", "env", "kill", "ps"];

    public static async Task<string> CreateAsync(KataStyle cli, string name, string[] args, bool terminal = false,
        IReadOnlyDictionary<string, string>? annotations = null)
    {
        if (!File.Exists(Busybox))
        {
            Assert.Skip($"{Busybox} is missing (apt-get install busybox-static)");
        }
        string bundle = Path.Combine(cli.Scratch, "bundles", name);
        string bin = Path.Combine(bundle, "rootfs", "bin");
        Directory.CreateDirectory(bin);
        File.Copy(Busybox, Path.Combine(bin, "busybox"));
        foreach (string applet in s_applets)
        {
            File.CreateSymbolicLink(Path.Combine(bin, applet), "busybox");
        }
        (await cli.RunAsync("spec", "--bundle", bundle)).Succeeded();
        string configPath = Path.Combine(bundle, "config.json");
        JsonNode config = JsonNode.Parse(File.ReadAllText(configPath))!;
        JsonNode process = config["process"]!;
        process["terminal"] = terminal;
        process["args"] = new JsonArray(args.Select(arg => (JsonNode)JsonValue.Create(arg)!).ToArray());
        if (annotations is not null)
        {
            var map = new JsonObject();
            foreach ((string key, string value) in annotations)
            {
                map[key] = value;
            }
            config["annotations"] = map;
        }
        File.WriteAllText(configPath, config.ToJsonString());
        return bundle;
    }
}
