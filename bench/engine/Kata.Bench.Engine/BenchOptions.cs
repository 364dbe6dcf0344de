using System.Globalization;

namespace Kata.Bench.Engine;

/// <summary>The harness's command line.</summary>
internal sealed record BenchOptions
{
    public const string Usage =
        "usage: kata-bench-engine spec --bundle DIR\n"
        + "       kata-bench-engine run --bundle DIR --state-root DIR --report FILE [--runs N] [--warmup N] [--runc PATH]";

    public BenchCommand Command { get; init; }

    public string Bundle { get; init; } = "";

    /// <summary>State root of both runtimes (the engine's container state and runc's --root go below it).</summary>
    public string StateRoot { get; init; } = "";

    /// <summary>Where the Markdown table and raw figures go.</summary>
    public string Report { get; init; } = "";

    public int Runs { get; init; } = 30;

    public int Warmup { get; init; } = 3;

    public string Runc { get; init; } = "runc";

    public static BenchOptions Parse(string[] args)
    {
        if (args.Length == 0)
        {
            throw new FormatException("a command (spec or run) is required");
        }
        var options = new BenchOptions
        {
            Command = args[0] switch
            {
                "spec" => BenchCommand.Spec,
                "run" => BenchCommand.Run,
                _ => throw new FormatException($"unknown command '{args[0]}'"),
            },
        };
        for (var i = 1; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new FormatException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--bundle" => options with { Bundle = Path.GetFullPath(value) },
                "--state-root" => options with { StateRoot = Path.GetFullPath(value) },
                "--report" => options with { Report = Path.GetFullPath(value) },
                "--runs" => options with { Runs = PositiveNumber(args[i], value) },
                "--warmup" => options with { Warmup = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) },
                "--runc" => options with { Runc = value },
                _ => throw new FormatException($"unknown option '{args[i]}'"),
            };
        }
        if (options.Bundle.Length == 0)
        {
            throw new FormatException("--bundle is required");
        }
        if (options.Command == BenchCommand.Run && (options.StateRoot.Length == 0 || options.Report.Length == 0))
        {
            throw new FormatException("run needs --state-root and --report");
        }
        return options;
    }

    private static int PositiveNumber(string option, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new FormatException($"{option} {value}: expected a positive number");
}
