using System.Globalization;

namespace Kata.Bench.Engine;

/// <summary>The per-run times of one runtime, in milliseconds, and their order statistics.</summary>
internal sealed class Timings
{
    private readonly List<double> _milliseconds = [];

    public Timings(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public IReadOnlyList<double> Milliseconds => _milliseconds;

    public void Add(double milliseconds) => _milliseconds.Add(milliseconds);

    public double Median => Percentile(50);

    public double Fastest => _milliseconds.Min();

    /// <summary>Nearest-rank percentile.</summary>
    public double Percentile(int percent)
    {
        var sorted = _milliseconds.Order().ToList();
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public double Mean => _milliseconds.Average();

    public string Raw => string.Join(' ', _milliseconds.Select(ms => ms.ToString("F2", CultureInfo.InvariantCulture)));
}
