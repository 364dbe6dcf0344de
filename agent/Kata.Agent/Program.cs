// kata-style-agent: see agent/README.md for the command line and the gRPC API (agent.proto).
return await Kata.Agent.Hosting.AgentApplication.RunAsync(args);
