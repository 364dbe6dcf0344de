// kata-style-agent: see agent/README.md for the command line and the gRPC API (agent.proto).
// The engine re-executes this program as a container's stage (like `runc init`): that check comes before anything else.
if (Kata.Container.Spawn.ContainerStage.RunIfRequested(args) is int stageStatus)
{
    return stageStatus;
}
return await Kata.Agent.Hosting.AgentApplication.RunAsync(args);
