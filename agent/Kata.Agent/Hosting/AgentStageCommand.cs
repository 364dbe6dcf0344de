using Kata.Container.Spawn;

namespace Kata.Agent.Hosting;

/// <summary>How the engine re-executes the agent as a container stage.</summary>
public static class AgentStageCommand
{
    /// <summary>
    /// The NativeAOT agent is its own executable; a framework-dependent agent (tests, `dotnet kata-style-agent.dll`)
    /// runs as dotnet + the assembly, and the stage must be started the same way.
    /// </summary>
    public static StageCommand Resolve()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("the agent's executable path is unknown");
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            string assembly = Path.Combine(AppContext.BaseDirectory, "kata-style-agent.dll");
            return new StageCommand([process, assembly]);
        }
        return new StageCommand([process]);
    }
}
