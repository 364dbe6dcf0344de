namespace Kata.Bench.Virtio;

/// <summary>Sizes of the runs (<c>--quick</c> shrinks them for a look at the harness) and where to write the report.</summary>
internal sealed record BenchOptions
{
    public int Runs { get; init; } = 5;
    public long StreamMiB { get; init; } = 256;
    public int RoundTrips { get; init; } = 20_000;
    public long ImageMiB { get; init; } = 256;
    public int RandomReads { get; init; } = 200_000;
    public long SequentialMiB { get; init; } = 1024;
    public int QueueDepth { get; init; } = 32;
    public string ImageDirectory { get; init; } = "/var/tmp";
    public string? Output { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name == "--quick")
            {
                options = options with { Runs = 1, StreamMiB = 32, RoundTrips = 2000, ImageMiB = 64, RandomReads = 20_000, SequentialMiB = 128 };
                continue;
            }
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value (arguments: --quick, --runs N, --out FILE, --image-dir DIR)");
            }
            string value = args[++i];
            options = name switch
            {
                "--out" => options with { Output = value },
                "--image-dir" => options with { ImageDirectory = value },
                "--runs" when int.TryParse(value, out int runs) && runs > 0 => options with { Runs = runs },
                "--runs" => throw new ArgumentException($"--runs: '{value}' is not a positive number"),
                _ => throw new ArgumentException($"unknown argument '{name}' (arguments: --quick, --runs N, --out FILE, --image-dir DIR)"),
            };
        }
        return options;
    }
}
