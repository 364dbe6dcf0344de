namespace Kata.Cli.State;

/// <summary>
/// The files of one container under <c>--root</c>: <c>&lt;root&gt;/&lt;id&gt;/</c> holds
/// <c>lock</c> (flock'ed by every command that changes the container), <c>record.json</c> (written by the CLI),
/// <c>spec.json</c> (the validated config.json as sent to the agent), <c>monitor.json</c>, <c>created.json</c> and
/// <c>exit.json</c> (written by the monitor), <c>monitor.log</c>, and <c>sandbox/</c> (the sandbox's own state directory: agent
/// socket, agent log, agent state).
/// </summary>
public sealed record ContainerPaths(string Root, string Id)
{
    public string Directory => Path.Combine(Root, Id);
    public string Lock => Path.Combine(Directory, "lock");
    public string Record => Path.Combine(Directory, "record.json");
    public string Spec => Path.Combine(Directory, "spec.json");
    public string Monitor => Path.Combine(Directory, "monitor.json");
    public string Created => Path.Combine(Directory, "created.json");
    public string Exit => Path.Combine(Directory, "exit.json");
    public string MonitorLog => Path.Combine(Directory, "monitor.log");
    public string Sandbox => Path.Combine(Directory, "sandbox");
}
