using Kata.Cli.Hosting;
using Kata.Cli.State;
using Kata.Oci.State;
using Kata.Sandbox;

namespace Kata.Cli.Commands;

/// <summary>An existing container, locked for the duration of one command, with its derived status and its agent.</summary>
public sealed class ContainerSession : IDisposable
{
    private readonly ContainerLock _lock;
    private AgentConnection? _connection;

    private ContainerSession(CliContext context, ContainerPaths paths, ContainerLock @lock, ContainerRecord record)
    {
        Context = context;
        Paths = paths;
        _lock = @lock;
        Record = record;
        Status = context.Store.Status(paths, record);
    }

    public CliContext Context { get; }
    public ContainerPaths Paths { get; }
    public ContainerRecord Record { get; private set; }
    public ContainerStatus Status { get; }

    public static ContainerSession Open(CliContext context, string id)
    {
        ContainerPaths paths = context.Store.Paths(id);
        ContainerLock @lock = ContainerLock.Acquire(paths) ?? throw new CliException($"container {id} does not exist (in {context.Root})");
        return Open(context, id, @lock);
    }

    /// <summary>A session over a lock the caller already holds (run: create, then start); the session releases it.</summary>
    public static ContainerSession Open(CliContext context, string id, ContainerLock @lock)
    {
        ContainerPaths paths = context.Store.Paths(id);
        try
        {
            return new ContainerSession(context, paths, @lock, context.Store.ReadRecord(paths));
        }
        catch
        {
            @lock.Dispose();
            throw;
        }
    }

    /// <summary>Throws InvalidContainerStateException (with the lifecycle's message) unless <paramref name="operation"/> is allowed now.</summary>
    public void Ensure(ContainerOperation operation, bool force = false) => ContainerLifecycle.Ensure(Paths.Id, Status, operation, force);

    public AgentConnection Agent => _connection ??= SandboxAttach.Connect(Record.Sandbox, Paths.Sandbox);

    public void Update(ContainerRecord record)
    {
        ContainerStore.WriteRecord(Paths, record);
        Record = record;
    }

    public void Dispose()
    {
        _connection?.Dispose();
        _lock.Dispose();
    }
}
