namespace Kata.Shim.Processes;

/// <summary>
/// The state of one process with its allowed transitions (containerd runc shim proc/*_state.go): created → running
/// (start) ⇄ paused (pause/resume) → stopped (exit) → deleted; a created process may also stop (killed before start)
/// or be deleted. Every refused transition is an <see cref="InvalidProcessStateException"/> naming the process.
/// Thread-safe.
/// </summary>
public sealed class ProcessStateMachine
{
    private readonly string _name;
    private readonly Lock _gate = new();
    private ProcessState _state = ProcessState.Created;

    public ProcessStateMachine(string name)
    {
        _name = name;
    }

    public ProcessState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public void Start() => Move("start", ProcessState.Running, ProcessState.Created);

    /// <summary>
    /// Records a start the agent has already carried out: created → running, but a process that already ended stays
    /// stopped. A short-lived init (`true`) can exit, and its exit watcher record that, before the StartContainer
    /// answer comes back: the start still happened, and failing it made `ctr run --rm true` fail now and then.
    /// </summary>
    public void Started()
    {
        // One critical section (Lock is reentrant, Move takes it again): an exit cannot slip in between.
        lock (_gate)
        {
            if (_state is not ProcessState.Stopped)
            {
                Start();
            }
        }
    }

    public void Pause() => Move("pause", ProcessState.Paused, ProcessState.Running);

    public void Resume() => Move("resume", ProcessState.Running, ProcessState.Paused);

    public void Delete() => Move("delete", ProcessState.Deleted, ProcessState.Created, ProcessState.Stopped);

    /// <summary>The process ended; false when it had already (exits are reported once).</summary>
    public bool Exit()
    {
        lock (_gate)
        {
            if (_state is ProcessState.Stopped or ProcessState.Deleted)
            {
                return false;
            }
            _state = ProcessState.Stopped;
            return true;
        }
    }

    /// <summary>Signals go to created, running and paused processes; a stopped one is gone (NOT_FOUND upstream).</summary>
    public void EnsureCanKill()
    {
        ProcessState state = State;
        if (state is ProcessState.Stopped or ProcessState.Deleted)
        {
            throw new ProcessNotFoundException($"{_name} has already finished");
        }
    }

    /// <summary>Exec needs a live container: created or running (runc refuses exec into a stopped or paused one).</summary>
    public void EnsureCanExec()
    {
        ProcessState state = State;
        if (state is not (ProcessState.Created or ProcessState.Running))
        {
            throw new InvalidProcessStateException(_name, "exec in", state);
        }
    }

    /// <summary>Checks that <paramref name="operation"/> is allowed now, before the work it guards is done.</summary>
    public void Ensure(string operation, params ProcessState[] allowed)
    {
        ProcessState state = State;
        if (Array.IndexOf(allowed, state) < 0)
        {
            throw new InvalidProcessStateException(_name, operation, state);
        }
    }

    private void Move(string operation, ProcessState to, params ProcessState[] from)
    {
        lock (_gate)
        {
            if (Array.IndexOf(from, _state) < 0)
            {
                throw new InvalidProcessStateException(_name, operation, _state);
            }
            _state = to;
        }
    }
}
