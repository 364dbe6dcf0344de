using Kata.Bench.Virtio;

// bench/virtio: the virtio devices against the direct host path, side by side in one run (bench/virtio/run.sh).
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"kata-bench-virtio: {e.Message}");
    return 2;
}

string loadBefore = HostFacts.LoadAverage();
var figures = new List<Figure>();
var problems = new List<string>();
foreach ((string part, Func<BenchOptions, IEnumerable<Figure>> bench) in new (string, Func<BenchOptions, IEnumerable<Figure>>)[]
    { ("vsock", VsockBench.Run), ("virtio-blk", BlockBench.Run) })
{
    Console.WriteLine($"{part}:");
    try
    {
        foreach (Figure figure in bench(options))
        {
            figures.Add(figure);
        }
    }
    catch (Exception e)
    {
        problems.Add($"{part}: {e.GetType().Name}: {e.Message}");
        Console.Error.WriteLine($"kata-bench-virtio: {part} failed: {e}");
    }
}
string report = Report.Write(options, figures, problems, loadBefore, HostFacts.LoadAverage());
if (options.Output is { } output)
{
    File.WriteAllText(output, report);
    Console.WriteLine($"report: {output}");
}
else
{
    Console.Write(report);
}
return problems.Count == 0 ? 0 : 1;
