using Kata.Oci.State;

namespace Kata.Oci.Tests.State;

/// <summary>Every operation in every status, against runtime-spec runtime.md.</summary>
public sealed class ContainerLifecycleTests
{
    private const ContainerStatus Creating = ContainerStatus.Creating;
    private const ContainerStatus Created = ContainerStatus.Created;
    private const ContainerStatus Running = ContainerStatus.Running;
    private const ContainerStatus Stopped = ContainerStatus.Stopped;
    private const ContainerStatus Paused = ContainerStatus.Paused;

    /// <summary>The whole table: (status, operation) → allowed without force.</summary>
    public static TheoryData<ContainerStatus, ContainerOperation, bool> Table()
    {
        var allowed = new Dictionary<ContainerOperation, ContainerStatus[]>
        {
            [ContainerOperation.Start] = [Created],
            [ContainerOperation.Kill] = [Created, Running, Paused],
            [ContainerOperation.Delete] = [Stopped],
            [ContainerOperation.Pause] = [Running],
            [ContainerOperation.Resume] = [Paused],
            [ContainerOperation.Exec] = [Running],
            [ContainerOperation.Update] = [Created, Running, Paused],
        };
        var data = new TheoryData<ContainerStatus, ContainerOperation, bool>();
        foreach (var status in Enum.GetValues<ContainerStatus>())
        {
            foreach (var operation in Enum.GetValues<ContainerOperation>())
            {
                data.Add(status, operation, allowed[operation].Contains(status));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void EveryOperationInEveryStatus(ContainerStatus status, ContainerOperation operation, bool allowed)
    {
        Assert.Equal(allowed, ContainerLifecycle.IsAllowed(status, operation));

        if (allowed)
        {
            ContainerLifecycle.Ensure("abc", status, operation);
        }
        else
        {
            var error = Assert.Throws<InvalidContainerStateException>(() => ContainerLifecycle.Ensure("abc", status, operation));
            Assert.Equal("abc", error.ContainerId);
            Assert.Equal(status, error.Status);
            Assert.Equal(operation, error.Operation);
            Assert.StartsWith($"container abc is {ContainerStatusConverter.Instance.ToSpecName(status)}: ", error.Message);
        }
    }

    [Fact]
    public void NamedGuards_AgreeWithTheTable()
    {
        foreach (var status in Enum.GetValues<ContainerStatus>())
        {
            Assert.Equal(ContainerLifecycle.IsAllowed(status, ContainerOperation.Start), ContainerLifecycle.CanStart(status));
            Assert.Equal(ContainerLifecycle.IsAllowed(status, ContainerOperation.Kill), ContainerLifecycle.CanKill(status));
            Assert.Equal(ContainerLifecycle.IsAllowed(status, ContainerOperation.Delete), ContainerLifecycle.CanDelete(status));
            Assert.Equal(ContainerLifecycle.IsAllowed(status, ContainerOperation.Pause), ContainerLifecycle.CanPause(status));
            Assert.Equal(ContainerLifecycle.IsAllowed(status, ContainerOperation.Resume), ContainerLifecycle.CanResume(status));
            Assert.Equal(ContainerLifecycle.IsAllowed(status, ContainerOperation.Exec), ContainerLifecycle.CanExec(status));
            Assert.Equal(ContainerLifecycle.IsAllowed(status, ContainerOperation.Update), ContainerLifecycle.CanUpdate(status));
        }
    }

    [Theory]
    [InlineData(ContainerStatus.Creating)]
    [InlineData(ContainerStatus.Created)]
    [InlineData(ContainerStatus.Running)]
    [InlineData(ContainerStatus.Stopped)]
    [InlineData(ContainerStatus.Paused)]
    public void ForcedDelete_IsAllowedInEveryStatus(ContainerStatus status)
    {
        Assert.True(ContainerLifecycle.CanDelete(status, force: true));
        ContainerLifecycle.Ensure("abc", status, ContainerOperation.Delete, force: true);
    }

    [Theory]
    [InlineData(ContainerStatus.Running, ContainerOperation.Delete, "container abc is running: stop it first or use --force")]
    [InlineData(ContainerStatus.Paused, ContainerOperation.Delete, "container abc is paused: stop it first or use --force")]
    [InlineData(ContainerStatus.Created, ContainerOperation.Delete, "container abc is created: kill it first or use --force")]
    [InlineData(ContainerStatus.Creating, ContainerOperation.Delete, "container abc is creating: it is still being set up; use --force to delete it anyway")]
    [InlineData(ContainerStatus.Running, ContainerOperation.Start, "container abc is running: it has already been started")]
    [InlineData(ContainerStatus.Stopped, ContainerOperation.Start, "container abc is stopped: a container runs only once; delete it and create it again")]
    [InlineData(ContainerStatus.Paused, ContainerOperation.Start, "container abc is paused: it has already been started; use resume to continue it")]
    [InlineData(ContainerStatus.Creating, ContainerOperation.Start, "container abc is creating: it is still being set up; wait for create to finish")]
    [InlineData(ContainerStatus.Stopped, ContainerOperation.Kill, "container abc is stopped: there is no process left to signal")]
    [InlineData(ContainerStatus.Paused, ContainerOperation.Pause, "container abc is paused: it is already paused")]
    [InlineData(ContainerStatus.Created, ContainerOperation.Pause, "container abc is created: only a running container can be paused")]
    [InlineData(ContainerStatus.Running, ContainerOperation.Resume, "container abc is running: it is not paused")]
    [InlineData(ContainerStatus.Stopped, ContainerOperation.Resume, "container abc is stopped: only a paused container can be resumed")]
    [InlineData(ContainerStatus.Paused, ContainerOperation.Exec, "container abc is paused: resume it before exec")]
    [InlineData(ContainerStatus.Created, ContainerOperation.Exec, "container abc is created: exec needs a running container")]
    [InlineData(ContainerStatus.Stopped, ContainerOperation.Update, "container abc is stopped: there is nothing left to update")]
    public void Refusals_SayWhatToDo(ContainerStatus status, ContainerOperation operation, string message)
    {
        var error = Assert.Throws<InvalidContainerStateException>(() => ContainerLifecycle.Ensure("abc", status, operation));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Transitions_FollowTheLifecycle()
    {
        var allowed = new HashSet<(ContainerStatus, ContainerStatus)>
        {
            (Creating, Created), (Created, Running), (Running, Paused), (Paused, Running),
            (Created, Stopped), (Running, Stopped), (Paused, Stopped),
        };

        foreach (var from in Enum.GetValues<ContainerStatus>())
        {
            foreach (var to in Enum.GetValues<ContainerStatus>())
            {
                Assert.Equal(allowed.Contains((from, to)), ContainerLifecycle.CanTransition(from, to));
            }
        }

        Assert.Equal(Running, ContainerLifecycle.StatusAfter(Created, ContainerOperation.Start));
        Assert.Equal(Paused, ContainerLifecycle.StatusAfter(Running, ContainerOperation.Pause));
        Assert.Equal(Running, ContainerLifecycle.StatusAfter(Paused, ContainerOperation.Resume));
        Assert.Equal(Running, ContainerLifecycle.StatusAfter(Running, ContainerOperation.Kill));
        Assert.Equal(Running, ContainerLifecycle.StatusAfter(Running, ContainerOperation.Exec));
    }

    [Fact]
    public void StateMachine_WalksTheWholeLifecycle()
    {
        var machine = new ContainerStateMachine("abc");
        Assert.Equal(Creating, machine.Status);
        Assert.Throws<InvalidContainerStateException>(() => machine.Apply(ContainerOperation.Start));

        machine.MarkCreated();
        Assert.Equal(Created, machine.Status);
        Assert.Throws<InvalidOperationException>(() => machine.MarkCreated());
        Assert.Throws<InvalidContainerStateException>(() => machine.Apply(ContainerOperation.Delete));

        Assert.Equal(Created, machine.Apply(ContainerOperation.Start));
        Assert.Equal(Running, machine.Status);
        Assert.Throws<InvalidContainerStateException>(() => machine.Apply(ContainerOperation.Start));

        Assert.Equal(Running, machine.Apply(ContainerOperation.Pause));
        Assert.Equal(Paused, machine.Status);
        Assert.Throws<InvalidContainerStateException>(() => machine.Apply(ContainerOperation.Exec));
        Assert.Equal(Paused, machine.Apply(ContainerOperation.Resume));
        Assert.Equal(Running, machine.Apply(ContainerOperation.Kill));
        Assert.Equal(Running, machine.Status);

        machine.MarkStopped();
        machine.MarkStopped();
        Assert.Equal(Stopped, machine.Status);
        var error = Assert.Throws<InvalidContainerStateException>(() => machine.Apply(ContainerOperation.Kill));
        Assert.Equal("container abc is stopped: there is no process left to signal", error.Message);
        Assert.Equal(Stopped, machine.Apply(ContainerOperation.Delete));
    }

    [Fact]
    public void StateMachine_CannotStopBeforeCreated()
    {
        var machine = new ContainerStateMachine("abc");

        var error = Assert.Throws<InvalidOperationException>(() => machine.MarkStopped());

        Assert.Equal("container abc: cannot go from creating to stopped", error.Message);
        Assert.Equal(Creating, machine.Status);
    }

    [Fact]
    public void StateMachine_ForcedDeleteWhileRunning()
    {
        var machine = new ContainerStateMachine("abc", Running);

        Assert.Throws<InvalidContainerStateException>(() => machine.Apply(ContainerOperation.Delete));
        Assert.Equal(Running, machine.Apply(ContainerOperation.Delete, force: true));
    }
}
