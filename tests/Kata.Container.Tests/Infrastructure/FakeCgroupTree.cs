namespace Kata.Container.Tests.Infrastructure;

/// <summary>
/// A FAKE cgroup filesystem: a temp directory of ordinary files standing in for cgroupfs, for the controller-file
/// writes and stats parsing that this v1 host cannot show on a real cgroup2 (its controllers are bound to v1).
/// Ordinary files keep only the last write of a value, unlike cgroupfs files such as io.max.
/// </summary>
internal sealed class FakeCgroupTree : IDisposable
{
    public FakeCgroupTree()
    {
        Root = Path.Combine(Path.GetTempPath(), "kata-fake-cgroup-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>Creates <paramref name="relativeDirectory"/> with the given files (name → content).</summary>
    public string Add(string relativeDirectory, params (string Name, string Content)[] files)
    {
        var directory = Path.Combine(Root, relativeDirectory);
        Directory.CreateDirectory(directory);
        foreach (var (name, content) in files)
        {
            File.WriteAllText(Path.Combine(directory, name), content);
        }
        return directory;
    }

    public string Read(string relativeDirectory, string name) => File.ReadAllText(Path.Combine(Root, relativeDirectory, name));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
