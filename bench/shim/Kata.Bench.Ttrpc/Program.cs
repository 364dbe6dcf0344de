// Kata.Bench.Ttrpc [--seconds N] [--payload BYTES] [--in-flight N]: unary round trips per second on one ttrpc
// connection over a Unix socket, one call at a time and with N calls in flight. Prints one `key=value` line per mode
// (bench/shim/run.sh reads them).
using System.Globalization;
using Kata.Bench.Ttrpc;
using Kata.Ttrpc.Client;
using Serilog;

double seconds = 5;
int payload = 64;
int inFlight = 16;
for (int i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--seconds": seconds = double.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--payload": payload = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--in-flight": inFlight = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}\nusage: Kata.Bench.Ttrpc [--seconds N] [--payload BYTES] [--in-flight N]");
            return 2;
    }
}

ILogger log = new LoggerConfiguration().CreateLogger(); // no sinks: the server logs nothing measurable
string directory = Directory.CreateTempSubdirectory("kata-ttrpc-bench-").FullName;
try
{
    string socket = Path.Combine(directory, "echo.sock");
    await using var server = EchoServer.Start(socket, log);
    await using var client = await TtrpcClient.ConnectAsync(socket, log);
    // Warm-up: tiered compilation and the socket's buffers, not measured.
    await RoundTripBench.RunAsync(client, 1, payload, TimeSpan.FromSeconds(Math.Min(1, seconds / 5)));
    foreach ((string mode, int calls) in new[] { ("sequential", 1), ($"in_flight_{inFlight}", inFlight) })
    {
        RoundTripBench.Result result = await RoundTripBench.RunAsync(client, calls, payload, TimeSpan.FromSeconds(seconds));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mode={mode} payload={payload} calls={result.Calls} seconds={result.Elapsed.TotalSeconds:0.000} per_second={result.CallsPerSecond:0} p50_us={result.P50Microseconds:0.0} p99_us={result.P99Microseconds:0.0}"));
    }
    return 0;
}
finally
{
    Directory.Delete(directory, recursive: true);
}
