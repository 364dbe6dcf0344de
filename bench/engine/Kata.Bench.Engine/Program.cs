using Kata.Bench.Engine;
using Kata.Container.Spawn;

// The engine re-executes this very binary as the container stage (like `runc init`): that check comes first.
if (ContainerStage.RunIfRequested(args) is int stageStatus)
{
    return stageStatus;
}

try
{
    var options = BenchOptions.Parse(args);
    return options.Command switch
    {
        BenchCommand.Spec => BundleSpec.Write(options.Bundle),
        _ => await EngineBench.RunAsync(options),
    };
}
catch (FormatException exception)
{
    Console.Error.WriteLine($"kata-bench-engine: {exception.Message}\n{BenchOptions.Usage}");
    return 2;
}
