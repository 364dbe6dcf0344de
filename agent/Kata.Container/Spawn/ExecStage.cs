using System.Globalization;
using Kata.Container.Interop;
using Kata.Container.Namespaces;
using Kata.Container.ProcessSetup;
using Kata.Oci.Spec;

namespace Kata.Container.Spawn;

/// <summary>
/// An extra process in a running container: the engine already placed the stage in the container's pid namespace;
/// here it joins ipc, uts, net and cgroup, then the mount namespace (unshare(CLONE_FS) first), chroots to the init's
/// root (the same as "/" after pivot_root, the only way in after the MS_MOVE fallback), sets up the process and
/// execve()s at once.
/// </summary>
internal static class ExecStage
{
    private static readonly NamespaceType[] JoinOrder =
        [NamespaceType.Ipc, NamespaceType.Uts, NamespaceType.Network, NamespaceType.Cgroup, NamespaceType.Mount];

    public static void Run(StageRequest request, SyncChannel channel)
    {
        var spec = StageSpec.ReadSpec(request);
        var process = StageSpec.ReadProcess(request);
        var capabilities = ProcessIdentity.Validate(process);
        var seccomp = StageSeccomp.Prepare(spec, process);
        ProcessIdentity.ApplyOomScoreAdj(process);

        var procDirectory = "/proc/" + request.InitPid.ToString(CultureInfo.InvariantCulture);
        var files = JoinOrder.ToDictionary(
            type => type,
            type => NamespaceEntry.OpenNamespace($"{procDirectory}/ns/{NamespaceFlags.ProcFileName(type)}"));
        using var root = new FileDescriptor(Errno.Check(
            Libc.Open(procDirectory + "/root", LinuxConstants.O_PATH | LinuxConstants.O_DIRECTORY | LinuxConstants.O_CLOEXEC, 0),
            "open", procDirectory + "/root"));
        try
        {
            foreach (var type in JoinOrder)
            {
                NamespaceEntry.Join(type, files[type], $"{procDirectory}/ns/{NamespaceFlags.ProcFileName(type)}");
            }
        }
        finally
        {
            foreach (var file in files.Values)
            {
                file.Dispose();
            }
        }
        Errno.Check(Libc.Fchdir(root.Fd), "fchdir", "container root");
        Errno.Check(Libc.Chroot("."), "chroot", "container root");
        Errno.Check(Libc.Chdir("/"), "chdir", "/");

        var executable = ExecutableLookup.Resolve(process.Args![0], process.Env);
        if (process.Terminal)
        {
            var (master, slave) = ConsoleTerminal.Open(process.ConsoleSize);
            using (master)
            {
                channel.Send(new StageReport { Kind = StageReportKind.Console }, StageJsonContext.Default.StageReport);
                DescriptorPassing.Send(channel.Descriptor.Fd, master.Fd);
            }
            ConsoleTerminal.AttachSlave(slave);
        }
        seccomp.LoadIfPrivilegeNeeded();
        ProcessIdentity.Apply(process, capabilities);
        channel.Send(new StageReport { Kind = StageReportKind.Executing }, StageJsonContext.Default.StageReport);
        ProcessExecutor.Exec(process, executable, seccomp.LastStep);
    }
}
