namespace Kata.Hypervisor.Tests.Devices.Virtio.Vsock;

/// <summary>
/// Tests that count this process's open descriptors (/proc/self/fd) run alone: any other test opening a file or a
/// socket meanwhile would change the count.
/// </summary>
[CollectionDefinition(nameof(VsockFdCountingCollection), DisableParallelization = true)]
public sealed class VsockFdCountingCollection
{
    /// <summary>
    /// Open socket, eventfd and epoll descriptors of this process now (/proc/self/fd entries that link to
    /// <c>socket:</c> or <c>anon_inode:</c>): what the device and its event loop open. Files the runtime maps lazily
    /// (an assembly loaded to format an exception message) are not counted.
    /// </summary>
    public static int OpenDescriptors() =>
        Descriptors().Values.Count(target => target.StartsWith("socket:", StringComparison.Ordinal) || target.StartsWith("anon_inode:", StringComparison.Ordinal));

    /// <summary>What each open descriptor refers to (fd → readlink target), for a failure message.</summary>
    public static Dictionary<string, string> Descriptors()
    {
        var map = new Dictionary<string, string>();
        foreach (string entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                map[Path.GetFileName(entry)] = new FileInfo(entry).LinkTarget ?? "?";
            }
            catch (IOException)
            {
                // Closed meanwhile.
            }
        }
        return map;
    }

    /// <summary>The descriptors open now that were not in <paramref name="before"/>.</summary>
    public static string NewSince(Dictionary<string, string> before) =>
        string.Join(", ", Descriptors().Where(d => !before.TryGetValue(d.Key, out string? target) || target != d.Value).Select(d => $"{d.Key} -> {d.Value}"));

    /// <summary>Runs a whole vsock session once, so lazily opened runtime descriptors exist before a baseline is taken.</summary>
    public static void WarmUp()
    {
        using var bed = new VsockTestBed();
        (System.Net.Sockets.Socket client, _) = bed.OpenHostConnection(1);
        client.Dispose();
    }
}
