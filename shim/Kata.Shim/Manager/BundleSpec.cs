using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kata.Shim.Manager;

/// <summary>
/// The few things the shim reads from a bundle's config.json (OCI runtime-spec config.md) before handing it to the
/// agent verbatim: the pod grouping annotations and the hostname; and the one thing it changes, root.path.
/// </summary>
public sealed class BundleSpec
{
    /// <summary>containerd's CRI plugin names the pod (sandbox) a container belongs to with this annotation.</summary>
    public const string SandboxIdAnnotation = "io.kubernetes.cri.sandbox-id";

    private readonly JsonObject _root;

    private BundleSpec(string bundle, JsonObject root)
    {
        Bundle = bundle;
        _root = root;
    }

    public string Bundle { get; }

    public string? SandboxId => _root["annotations"]?[SandboxIdAnnotation]?.GetValueKind() == JsonValueKind.String
        ? _root["annotations"]![SandboxIdAnnotation]!.GetValue<string>()
        : null;

    public string? Hostname => _root["hostname"]?.GetValueKind() == JsonValueKind.String ? _root["hostname"]!.GetValue<string>() : null;

    public string RootPath => _root["root"]?["path"]?.GetValueKind() == JsonValueKind.String ? _root["root"]!["path"]!.GetValue<string>() : "rootfs";

    /// <summary>root.path made absolute against the bundle (the agent keeps its own copy of config.json elsewhere).</summary>
    public string AbsoluteRootPath => Path.IsPathRooted(RootPath) ? RootPath : Path.GetFullPath(Path.Combine(Bundle, RootPath));

    public static BundleSpec Load(string bundle)
    {
        string path = Path.Combine(bundle, "config.json");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            throw new FileNotFoundException($"bundle {bundle} has no config.json", path);
        }
        catch (DirectoryNotFoundException)
        {
            throw new DirectoryNotFoundException($"bundle {bundle} does not exist");
        }
        try
        {
            return JsonNode.Parse(text) is JsonObject root
                ? new BundleSpec(bundle, root)
                : throw new FormatException($"{path}: the top level is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: malformed JSON: {e.Message}", e);
        }
    }

    /// <summary>The pod this container belongs to: the CRI sandbox-id annotation, or the container itself.</summary>
    public string GroupingId(string containerId) => string.IsNullOrEmpty(SandboxId) ? containerId : SandboxId;

    /// <summary>config.json with root.path replaced by <paramref name="rootPath"/>; everything else byte-for-byte meaning.</summary>
    public byte[] WithRootPath(string rootPath)
    {
        var copy = (JsonObject)_root.DeepClone();
        if (copy["root"] is not JsonObject root)
        {
            root = new JsonObject();
            copy["root"] = root;
        }
        root["path"] = rootPath;
        return JsonSerializer.SerializeToUtf8Bytes(copy, ShimJsonContext.Default.JsonObject);
    }
}
