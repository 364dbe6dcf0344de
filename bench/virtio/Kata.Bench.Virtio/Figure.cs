namespace Kata.Bench.Virtio;

/// <summary>One line of the report: our figure through the device, the direct host figure, and how to compare them.</summary>
/// <param name="Name">What was measured.</param>
/// <param name="Unit">Unit of <paramref name="Ours"/> and <paramref name="Direct"/>.</param>
/// <param name="HigherIsBetter">Rates (true) are compared ours ÷ direct; times (false) direct ÷ ours.</param>
/// <param name="Spread">Every run's figure, ours then direct, for the report.</param>
/// <param name="OursBest">Our best run (on a busy host the best estimate of the cost itself; the median is what a caller sees there).</param>
/// <param name="DirectBest">The direct path's best run.</param>
internal sealed record Figure(string Name, string Unit, double Ours, double Direct, bool HigherIsBetter, string Spread, double OursBest, double DirectBest)
{
    /// <summary>The goal: at least this share of the direct figure.</summary>
    public const double Goal = 0.7;

    /// <summary>How close we come to the direct path: 1 is as good, below 1 is worse, whatever the unit.</summary>
    public double Ratio => Compare(Ours, Direct);

    /// <summary>The same comparison between the best runs of each.</summary>
    public double BestRatio => Compare(OursBest, DirectBest);

    /// <summary>Judged on the medians.</summary>
    public bool GoalMet => Ratio >= Goal;

    private double Compare(double ours, double direct) => HigherIsBetter ? ours / direct : direct / ours;
}
