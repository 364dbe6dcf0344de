namespace Kata.Sandbox.Tests.Infrastructure;

/// <summary>A mount made with mount(8) for a test, unmounted (lazily, so a failing test cannot leave it busy) on dispose.</summary>
public sealed class HostMount : IDisposable
{
    private HostMount(string target) => Target = target;

    public string Target { get; }

    /// <summary>mount -o loop,ro: the image as the guest kernel would see the disk.</summary>
    public static HostMount LoopReadOnly(string image, string fsType, string target)
    {
        Directory.CreateDirectory(target);
        HostCommand.Run("mount", "-t", fsType, "-o", "loop,ro", image, target);
        return new HostMount(target);
    }

    public static HostMount Overlay(string lower, string upper, string work, string target)
    {
        Directory.CreateDirectory(target);
        HostCommand.Run("mount", "-t", "overlay", "overlay", "-o", $"lowerdir={lower},upperdir={upper},workdir={work}", target);
        return new HostMount(target);
    }

    public void Dispose() => HostCommand.TryRun("umount", "-l", Target);
}
