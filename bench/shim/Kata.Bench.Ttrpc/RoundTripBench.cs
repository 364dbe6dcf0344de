using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Kata.Ttrpc.Client;

namespace Kata.Bench.Ttrpc;

/// <summary>
/// Unary calls on one client connection for a fixed time: either one at a time (each waits for its answer: the
/// round trip) or with a number of calls in flight (the connection's multiplexing), with per-call latencies.
/// </summary>
public static class RoundTripBench
{
    public sealed record Result(long Calls, TimeSpan Elapsed, double P50Microseconds, double P99Microseconds)
    {
        public double CallsPerSecond => Calls / Elapsed.TotalSeconds;
    }

    public static async Task<Result> RunAsync(TtrpcClient client, int inFlight, int payloadBytes, TimeSpan duration)
    {
        var request = new BytesValue { Value = ByteString.CopyFrom(new byte[payloadBytes]) };
        var latencies = new List<double>[inFlight];
        var total = Stopwatch.StartNew();
        DateTime end = DateTime.UtcNow + duration;
        Task[] workers = new Task[inFlight];
        for (int w = 0; w < inFlight; w++)
        {
            var own = latencies[w] = new List<double>(1 << 16);
            workers[w] = Task.Run(async () =>
            {
                var call = new Stopwatch();
                while (DateTime.UtcNow < end)
                {
                    call.Restart();
                    BytesValue answer = await client.CallAsync(EchoServer.Service, EchoServer.Method, request, BytesValue.Parser);
                    own.Add(call.Elapsed.TotalMicroseconds);
                    if (answer.Value.Length != payloadBytes)
                    {
                        throw new InvalidOperationException($"echo answered {answer.Value.Length} bytes, sent {payloadBytes}");
                    }
                }
            });
        }
        await Task.WhenAll(workers);
        total.Stop();
        double[] all = [.. latencies.SelectMany(list => list).Order()];
        return new Result(all.Length, total.Elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static double Percentile(double[] sorted, double fraction) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(fraction * sorted.Length))];
}
