using Kata.Oci.Spec;
using Kata.Oci.State;

namespace Kata.Container.Tests.Infrastructure;

/// <summary>
/// A log file that hooks append to: each recording hook writes one line, <c>&lt;name&gt; &lt;its mount namespace&gt;
/// &lt;the state JSON it read from stdin&gt;</c>. The directory is bind-mounted into the container at
/// <see cref="ContainerDirectory"/>, so hooks inside the container write to the same file.
/// </summary>
internal sealed class HookLog : IDisposable
{
    public const string ContainerDirectory = "/hooklog";
    private const string HostPath = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

    public HookLog()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("kata-hook-log-").FullName;
    }

    public string Directory { get; }

    public string FilePath => Path.Combine(Directory, "hooks.log");

    /// <summary>The bind mount that makes the log visible in the container.</summary>
    public Mount Mount => new() { Destination = ContainerDirectory, Type = "bind", Source = Directory, Options = ["rbind", "rw"] };

    /// <summary>A hook whose path resolves in the runtime's filesystem (the host's /bin/sh).</summary>
    public Hook HostRecorder(string name) => Recorder(name, FilePath);

    /// <summary>A hook whose path resolves in the container (the bundle's busybox sh), for startContainer.</summary>
    public static Hook ContainerRecorder(string name) => Recorder(name, $"{ContainerDirectory}/hooks.log");

    /// <summary>A hook that prints <paramref name="output"/> and exits with <paramref name="status"/>.</summary>
    public static Hook Failing(int status, string output) =>
        new() { Path = "/bin/sh", Args = ["sh", "-c", $"echo {output}; exit {status}"], Env = [HostPath] };

    public IReadOnlyList<HookLogEntry> Read()
    {
        if (!File.Exists(FilePath))
        {
            return [];
        }
        return File.ReadAllLines(FilePath)
            .Select(line => line.Split(' ', 3))
            .Select(parts => new HookLogEntry(parts[0], parts[1], StateSerializer.Parse(parts[2], "hook stdin")))
            .ToList();
    }

    private static Hook Recorder(string name, string file) => new()
    {
        Path = "/bin/sh",
        Args = ["sh", "-c", $"state=$(cat); echo \"{name} $(readlink /proc/self/ns/mnt) $state\" >> {file}"],
        Env = [HostPath],
    };

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // still bind-mounted by a container a failed test left behind
        }
    }
}
