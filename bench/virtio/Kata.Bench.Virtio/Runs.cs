namespace Kata.Bench.Virtio;

/// <summary>Repeated measurements and their median (the figure reported), with the runs listed for the spread.</summary>
internal static class Runs
{
    public static double Median(IReadOnlyList<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// Runs <paramref name="ours"/> and <paramref name="direct"/> alternately after a warm-up run of each (host noise hits
    /// both alike) and builds the figure from the medians.
    /// </summary>
    public static Figure Compare(string name, string unit, bool higherIsBetter, int runs, Func<double> ours, Func<double> direct)
    {
        // One unrecorded run each first: the JIT's tiering has then optimized both paths, and buffers and caches are warm.
        ours();
        direct();
        var oursRuns = new List<double>();
        var directRuns = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            oursRuns.Add(ours());
            directRuns.Add(direct());
        }
        string spread = $"ours [{string.Join(", ", oursRuns.Select(Format))}]; direct [{string.Join(", ", directRuns.Select(Format))}]";
        Console.WriteLine($"  {name}: ours {Format(Median(oursRuns))} {unit}, direct {Format(Median(directRuns))} {unit}");
        Func<IEnumerable<double>, double> best = higherIsBetter ? Enumerable.Max : Enumerable.Min;
        return new Figure(name, unit, Median(oursRuns), Median(directRuns), higherIsBetter, spread, best(oursRuns), best(directRuns));
    }

    public static string Format(double value) => value switch
    {
        >= 1000 => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        >= 10 => value.ToString("F1", System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString("F2", System.Globalization.CultureInfo.InvariantCulture),
    };
}
