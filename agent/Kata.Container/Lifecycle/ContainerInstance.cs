using Kata.Container.Interop;
using Kata.Container.Namespaces;
using Kata.Container.ProcessSetup;
using Kata.Container.Spawn;
using Kata.Oci.Spec;
using Kata.Oci.State;

namespace Kata.Container.Lifecycle;

/// <summary>One container the engine manages: its config, status, init process and exec'd processes.</summary>
public sealed class ContainerInstance
{
    private readonly List<ChildProcess> _execs = [];
    private readonly Lock _execLock = new();

    internal ContainerInstance(string id, string bundle, RuntimeSpec spec, string rootfs, string stateDirectory, NamespacePlan plan)
    {
        Id = id;
        Bundle = bundle;
        Spec = spec;
        Rootfs = rootfs;
        StateDirectory = stateDirectory;
        Plan = plan;
        _stateMachine = new ContainerStateMachine(id);
    }

    private readonly ContainerStateMachine _stateMachine;

    public string Id { get; }

    /// <summary>Absolute path of the bundle directory.</summary>
    public string Bundle { get; }

    public RuntimeSpec Spec { get; }

    /// <summary>Absolute host path of the root filesystem.</summary>
    public string Rootfs { get; }

    public ContainerStatus Status => StateMachine.Status;

    /// <summary>Host pid of the container's init (0 before it exists).</summary>
    public int Pid => Init?.Pid ?? 0;

    /// <summary>What the stage skipped without failing (e.g. a cgroup v1 hierarchy it could not mount).</summary>
    public IReadOnlyList<string> Warnings { get; internal set; } = [];

    /// <summary>With process.terminal (and no console socket): the pty master, the container's stdin and stdout.</summary>
    public FileDescriptor? Console { get; internal set; }

    /// <summary>Sets the terminal's window size (TIOCSWINSZ on the master).</summary>
    public void ResizeConsole(ushort rows, ushort columns) =>
        ConsoleTerminal.Resize(Console ?? throw new ContainerException($"container {Id} has no terminal"), rows, columns);

    /// <summary>The state document of runtime.md "State".</summary>
    public ContainerState State => new()
    {
        Id = Id,
        Status = Status,
        Pid = Status is ContainerStatus.Created or ContainerStatus.Running or ContainerStatus.Paused ? Pid : 0,
        Bundle = Bundle,
        Annotations = Spec.Annotations,
    };

    internal string StateDirectory { get; }

    internal string ExecFifoPath => Path.Combine(StateDirectory, StartFifo.FileName);

    internal NamespacePlan Plan { get; }

    /// <summary>The status guards; an init that has exited moves the container to stopped first, so no operation acts
    /// on a status the reaper has not published yet.</summary>
    internal ContainerStateMachine StateMachine
    {
        get
        {
            if (Init is { HasExited: true } && _stateMachine.Status is not (ContainerStatus.Creating or ContainerStatus.Stopped))
            {
                _stateMachine.MarkStopped();
            }
            return _stateMachine;
        }
    }

    internal ChildProcess? Init { get; set; }

    /// <summary>The container's cgroup, when the engine manages cgroups.</summary>
    public Cgroups.ICgroupManager? Cgroup { get; internal set; }

    /// <summary>The init stage's sync socket, kept from create until start has seen the execve.</summary>
    internal SyncChannel? Channel { get; set; }

    internal void AddExec(ChildProcess child)
    {
        lock (_execLock)
        {
            foreach (var finished in _execs.Where(e => e.HasExited).ToList())
            {
                finished.Dispose();
                _execs.Remove(finished);
            }
            _execs.Add(child);
        }
    }

    internal IReadOnlyList<ChildProcess> Execs
    {
        get
        {
            lock (_execLock)
            {
                return _execs.ToList();
            }
        }
    }
}
