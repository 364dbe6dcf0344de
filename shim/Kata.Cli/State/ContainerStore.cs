using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Kata.Cli.Interop;
using Kata.Oci.State;

namespace Kata.Cli.State;

/// <summary>
/// The containers under one <c>--root</c>. Files are replaced atomically (write a temporary, then rename), so a
/// reader (state, list) never sees half a file and needs no lock. The status is derived, never stored, so that a
/// crash of any process between steps still yields a true answer:
/// exit.json present → stopped; no monitor yet → creating while the creating CLI lives, else stopped (it crashed);
/// monitor gone → stopped (the sandbox died with it); no created.json → creating; otherwise created, running or
/// paused from record.json.
/// </summary>
public sealed partial class ContainerStore
{
    public ContainerStore(string root) => Root = Path.GetFullPath(root);

    public string Root { get; }

    public ContainerPaths Paths(string id) => new(Root, ValidateId(id));

    /// <summary>Container ids name a directory: letters, digits and <c>_ . + -</c>, not starting with a dot (as runc).</summary>
    public static string ValidateId(string id) =>
        IdPattern().IsMatch(id) ? id : throw new CliException($"invalid container id \"{id}\": use letters, digits and _ . + - (not starting with . or -), at most 1024 characters");

    [GeneratedRegex(@"^[A-Za-z0-9_+][A-Za-z0-9_.+-]{0,1023}$")]
    private static partial Regex IdPattern();

    /// <summary>Creates the container's directory and its lock file; mkdir(2) fails for an existing id, which makes this the duplicate check.</summary>
    public ContainerPaths CreateDirectory(string id)
    {
        ContainerPaths paths = Paths(id);
        Directory.CreateDirectory(Root);
        if (CliLibc.Mkdir(paths.Directory, 0b111_000_000) < 0)
        {
            SyscallException error = Errno.Exception($"mkdir {paths.Directory}");
            throw error.Errno == Errno.EEXIST ? new CliException($"container {id} already exists (in {Root})") : error;
        }
        File.WriteAllBytes(paths.Lock, []);
        return paths;
    }

    public IEnumerable<string> Ids() =>
        Directory.Exists(Root)
            ? Directory.EnumerateDirectories(Root).Select(Path.GetFileName).OfType<string>()
                .Where(id => File.Exists(Path.Combine(Root, id, "record.json"))).Order(StringComparer.Ordinal)
            : [];

    public ContainerRecord? TryReadRecord(ContainerPaths paths) => TryRead(paths.Record, StateFilesJsonContext.Default.ContainerRecord);

    /// <summary>The record of an existing container, or a clear "does not exist" error.</summary>
    public ContainerRecord ReadRecord(ContainerPaths paths) =>
        TryReadRecord(paths) ?? throw new CliException($"container {paths.Id} does not exist (in {Root})");

    public CreatedRecord? TryReadCreated(ContainerPaths paths) => TryRead(paths.Created, StateFilesJsonContext.Default.CreatedRecord);

    public MonitorRecord? TryReadMonitor(ContainerPaths paths) => TryRead(paths.Monitor, StateFilesJsonContext.Default.MonitorRecord);

    public ExitRecord? TryReadExit(ContainerPaths paths) => TryRead(paths.Exit, StateFilesJsonContext.Default.ExitRecord);

    public static void WriteRecord(ContainerPaths paths, ContainerRecord record) =>
        WriteAtomically(paths.Record, JsonSerializer.SerializeToUtf8Bytes(record, StateFilesJsonContext.Default.ContainerRecord));

    public static void WriteCreated(ContainerPaths paths, CreatedRecord created) =>
        WriteAtomically(paths.Created, JsonSerializer.SerializeToUtf8Bytes(created, StateFilesJsonContext.Default.CreatedRecord));

    public static void WriteMonitor(ContainerPaths paths, MonitorRecord monitor) =>
        WriteAtomically(paths.Monitor, JsonSerializer.SerializeToUtf8Bytes(monitor, StateFilesJsonContext.Default.MonitorRecord));

    public static void WriteExit(ContainerPaths paths, ExitRecord exit) =>
        WriteAtomically(paths.Exit, JsonSerializer.SerializeToUtf8Bytes(exit, StateFilesJsonContext.Default.ExitRecord));

    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    public bool IsMonitorAlive(ContainerPaths paths) => TryReadMonitor(paths) is { } monitor && ProcessIdentity.IsAlive(monitor.Pid, monitor.StartTime);

    public ContainerStatus Status(ContainerPaths paths, ContainerRecord record)
    {
        if (File.Exists(paths.Exit))
        {
            return ContainerStatus.Stopped;
        }
        if (TryReadMonitor(paths) is not { } monitor)
        {
            return ProcessIdentity.IsAlive(record.CreatorPid, record.CreatorStartTime) ? ContainerStatus.Creating : ContainerStatus.Stopped;
        }
        if (!ProcessIdentity.IsAlive(monitor.Pid, monitor.StartTime))
        {
            return ContainerStatus.Stopped;
        }
        if (!File.Exists(paths.Created))
        {
            return ContainerStatus.Creating;
        }
        return !record.Started ? ContainerStatus.Created : record.Paused ? ContainerStatus.Paused : ContainerStatus.Running;
    }

    /// <summary>The OCI state document (runtime.md "State"): pid only while the container's process exists.</summary>
    public ContainerState State(ContainerPaths paths, ContainerRecord record)
    {
        ContainerStatus status = Status(paths, record);
        int pid = status is ContainerStatus.Created or ContainerStatus.Running or ContainerStatus.Paused
            ? TryReadCreated(paths)?.Pid ?? 0
            : 0;
        return new ContainerState { Id = record.Id, Status = status, Pid = pid, Bundle = record.Bundle, Annotations = record.Annotations };
    }

    private static T? TryRead<T>(string path, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), type);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new CliException($"{path} is damaged ({e.Message}); `kata-style delete --force` removes the container");
        }
    }
}
