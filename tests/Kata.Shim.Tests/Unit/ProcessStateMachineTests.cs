using Kata.Shim.Processes;

namespace Kata.Shim.Tests.Unit;

public sealed class ProcessStateMachineTests
{
    [Fact]
    public void A_process_goes_created_running_paused_running_stopped_deleted()
    {
        var state = new ProcessStateMachine("container c1");
        Assert.Equal(ProcessState.Created, state.State);
        state.Start();
        Assert.Equal(ProcessState.Running, state.State);
        state.Pause();
        Assert.Equal(ProcessState.Paused, state.State);
        state.Resume();
        Assert.Equal(ProcessState.Running, state.State);
        Assert.True(state.Exit());
        Assert.Equal(ProcessState.Stopped, state.State);
        state.Delete();
        Assert.Equal(ProcessState.Deleted, state.State);
    }

    [Fact]
    public void Starting_twice_is_refused_naming_the_process_and_its_state()
    {
        var state = new ProcessStateMachine("exec e1 of container c1");
        state.Start();
        var error = Assert.Throws<InvalidProcessStateException>(state.Start);
        Assert.Equal("cannot start exec e1 of container c1: it is running", error.Message);
        Assert.Equal(ProcessState.Running, error.State);
    }

    [Fact]
    public void A_start_the_agent_carried_out_stands_when_the_exit_was_recorded_first()
    {
        var raced = new ProcessStateMachine("container c1");
        Assert.True(raced.Exit());
        raced.Started();
        Assert.Equal(ProcessState.Stopped, raced.State);

        var normal = new ProcessStateMachine("container c2");
        normal.Started();
        Assert.Equal(ProcessState.Running, normal.State);
        var error = Assert.Throws<InvalidProcessStateException>(normal.Started);
        Assert.Equal("cannot start container c2: it is running", error.Message);
    }

    [Fact]
    public void A_running_process_cannot_be_deleted()
    {
        var state = new ProcessStateMachine("container c1");
        state.Start();
        var error = Assert.Throws<InvalidProcessStateException>(state.Delete);
        Assert.Contains("cannot delete container c1: it is running", error.Message);
    }

    [Fact]
    public void Pause_needs_running_and_resume_needs_paused()
    {
        var state = new ProcessStateMachine("container c1");
        Assert.Throws<InvalidProcessStateException>(state.Pause);
        Assert.Throws<InvalidProcessStateException>(state.Resume);
        state.Start();
        Assert.Throws<InvalidProcessStateException>(state.Resume);
        state.Pause();
        Assert.Throws<InvalidProcessStateException>(state.Pause);
        Assert.Throws<InvalidProcessStateException>(state.Start);
    }

    [Fact]
    public void An_exit_is_recorded_once_and_a_stopped_process_cannot_be_signalled_or_restarted()
    {
        var state = new ProcessStateMachine("container c1");
        state.Start();
        Assert.True(state.Exit());
        Assert.False(state.Exit());
        Assert.Throws<ProcessNotFoundException>(state.EnsureCanKill);
        Assert.Throws<InvalidProcessStateException>(state.Start);
        Assert.Throws<InvalidProcessStateException>(state.Pause);
        Assert.Throws<InvalidProcessStateException>(state.EnsureCanExec);
    }

    [Fact]
    public void A_created_process_can_be_killed_deleted_or_exec_ed_into()
    {
        var state = new ProcessStateMachine("container c1");
        state.EnsureCanKill();
        state.EnsureCanExec();
        state.Delete();
        Assert.False(state.Exit());
        Assert.Equal(ProcessState.Deleted, state.State);
    }

    [Fact]
    public void A_paused_container_refuses_exec()
    {
        var state = new ProcessStateMachine("container c1");
        state.Start();
        state.Pause();
        var error = Assert.Throws<InvalidProcessStateException>(state.EnsureCanExec);
        Assert.Contains("it is paused", error.Message);
    }

    [Fact]
    public void ShimProcess_reports_its_exit_once_and_stops_in_the_state_machine()
    {
        var process = new ShimProcess("c1", "", new StdioPaths("", "", "", false));
        process.State.Start();
        var first = new ExitStatus(7, DateTimeOffset.UnixEpoch);
        Assert.True(process.TrySetExited(first));
        Assert.False(process.TrySetExited(new ExitStatus(137, DateTimeOffset.UtcNow)));
        Assert.Equal(first, process.ExitStatus);
        Assert.Equal(ProcessState.Stopped, process.State.State);
        Assert.True(process.Exited.IsCompletedSuccessfully);
    }
}
