using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;

namespace Kata.Shim.Tests.Infrastructure;

/// <summary>
/// A one-layer busybox image in docker-archive format (what `docker save` writes and `ctr images import` reads),
/// built from the host's /bin/busybox (busybox-static): the layer holds busybox and a symlink per applet.
/// </summary>
public static class BusyboxImage
{
    public const string Reference = "docker.io/library/busybox:test";
    public const string BusyboxPath = "/bin/busybox";

    public static async Task<string> WriteArchiveAsync(string directory, CancellationToken cancel)
    {
        byte[] layer = await BuildLayerAsync(cancel);
        string layerDigest = Convert.ToHexStringLower(SHA256.HashData(layer));
        string config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"sh\"]}," +
            $"\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"sha256:{layerDigest}\"]}}}}";
        byte[] configBytes = Encoding.UTF8.GetBytes(config.Trim());
        string configName = Convert.ToHexStringLower(SHA256.HashData(configBytes)) + ".json";
        string manifest = $$"""[{"Config":"{{configName}}","RepoTags":["{{Reference}}"],"Layers":["{{layerDigest}}/layer.tar"]}]""";

        string path = Path.Combine(directory, "busybox.tar");
        await using var file = File.Create(path);
        await using var archive = new TarWriter(file, TarEntryFormat.Pax);
        await AddFileAsync(archive, configName, configBytes, cancel);
        await AddFileAsync(archive, $"{layerDigest}/layer.tar", layer, cancel);
        await AddFileAsync(archive, "manifest.json", Encoding.UTF8.GetBytes(manifest), cancel);
        return path;
    }

    private static async Task<byte[]> BuildLayerAsync(CancellationToken cancel)
    {
        var applets = (await ProcessRunner.RunAsync(BusyboxPath, ["--list"], cancel: cancel)).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(name => name != "busybox")
            .Distinct()
            .Order(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        await using (var layer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (string dir in new[] { "bin", "dev", "etc", "proc", "root", "sys", "tmp", "var" })
            {
                await layer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, dir + "/") { Mode = (UnixFileMode)0b111_101_101 }, cancel);
            }
            var busybox = new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox")
            {
                Mode = (UnixFileMode)0b111_101_101,
                DataStream = new MemoryStream(await File.ReadAllBytesAsync(BusyboxPath, cancel)),
            };
            await layer.WriteEntryAsync(busybox, cancel);
            foreach (string applet in applets)
            {
                await layer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + applet) { LinkName = "busybox" }, cancel);
            }
            await AddFileAsync(layer, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"u8.ToArray(), cancel);
            await AddFileAsync(layer, "etc/group", "root:x:0:\n"u8.ToArray(), cancel);
        }
        return buffer.ToArray();
    }

    private static async Task AddFileAsync(TarWriter archive, string name, byte[] content, CancellationToken cancel) =>
        await archive.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = (UnixFileMode)0b110_100_100,
            DataStream = new MemoryStream(content),
        }, cancel);
}
