using System.Diagnostics;
using System.Globalization;
using System.Text;
using Kata.Container.Lifecycle;
using Kata.Container.Spawn;
using Serilog;

namespace Kata.Bench.Engine;

/// <summary>
/// Create + start + wait + delete of the bundle's /bin/true through <see cref="ContainerEngine"/> in this process, and
/// `runc run` of the same bundle (which does the same four steps) as a child process, interleaved run by run (the
/// order alternates) so host noise hits both alike. Each run is checked: exit status 0, or the bench fails.
/// </summary>
internal static class EngineBench
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var engineRoot = Path.Combine(options.StateRoot, "engine");
        var runcRoot = Path.Combine(options.StateRoot, "runc");
        Directory.CreateDirectory(engineRoot);
        Directory.CreateDirectory(runcRoot);
        using var engine = new ContainerEngine(
            new ContainerEngineOptions { Stage = StageCommand.ForCurrentProcess(), StateRoot = engineRoot },
            new LoggerConfiguration().CreateLogger());

        var ours = new Timings("kata-style engine (create+start+wait+delete)");
        var runc = new Timings("runc run");
        for (var i = 0; i < options.Warmup; i++)
        {
            await RunEngineAsync(engine, options.Bundle, $"bench-warm-{i}");
            await RunRuncAsync(options, runcRoot, $"bench-warm-{i}");
        }
        for (var i = 0; i < options.Runs; i++)
        {
            if (i % 2 == 0)
            {
                ours.Add(await RunEngineAsync(engine, options.Bundle, $"bench-{i}"));
                runc.Add(await RunRuncAsync(options, runcRoot, $"bench-{i}"));
            }
            else
            {
                runc.Add(await RunRuncAsync(options, runcRoot, $"bench-{i}"));
                ours.Add(await RunEngineAsync(engine, options.Bundle, $"bench-{i}"));
            }
        }
        var report = Report(options, ours, runc);
        await File.WriteAllTextAsync(options.Report, report);
        Console.Write(report);
        return 0;
    }

    private static async Task<double> RunEngineAsync(ContainerEngine engine, string bundle, string id)
    {
        var clock = Stopwatch.StartNew();
        engine.Create(id, bundle);
        engine.Start(id);
        var status = await engine.WaitAsync(id);
        engine.Delete(id);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (status != 0)
        {
            throw new InvalidOperationException($"engine run {id}: /bin/true exited with status {status}");
        }
        return elapsed;
    }

    private static async Task<double> RunRuncAsync(BenchOptions options, string runcRoot, string id)
    {
        var start = new ProcessStartInfo(options.Runc) { UseShellExecute = false };
        foreach (var argument in new[] { "--root", runcRoot, "run", "--bundle", options.Bundle, id })
        {
            start.ArgumentList.Add(argument);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {options.Runc}");
        await process.WaitForExitAsync();
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"runc run {id}: exited with status {process.ExitCode}");
        }
        return elapsed;
    }

    private static string Report(BenchOptions options, Timings ours, Timings runc)
    {
        static string Ms(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
        static string Ratio(double a, double b) => (a / b).ToString("F2", CultureInfo.InvariantCulture);
        var ratio = ours.Median / runc.Median;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"### create + start + wait + delete of /bin/true ({options.Runs} runs each, interleaved, after {options.Warmup} warm-up runs each)");
        text.AppendLine();
        text.AppendLine("| runtime | median ms | fastest ms | p90 ms | mean ms |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var timings in new[] { ours, runc })
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {timings.Name} | {Ms(timings.Median)} | {Ms(timings.Fastest)} | {Ms(timings.Percentile(90))} | {Ms(timings.Mean)} |");
        }
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| **ratio ours ÷ runc** | **{Ratio(ours.Median, runc.Median)}** | {Ratio(ours.Fastest, runc.Fastest)} | {Ratio(ours.Percentile(90), runc.Percentile(90))} | {Ratio(ours.Mean, runc.Mean)} |");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Goal ≤ 1.2× runc (median): **{(ratio <= 1.2 ? "met" : "MISSED")}** ({Ratio(ours.Median, runc.Median)}×).");
        text.AppendLine();
        text.AppendLine("Raw per-run milliseconds, in run order:");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- engine: {ours.Raw}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- runc: {runc.Raw}");
        return text.ToString();
    }
}
