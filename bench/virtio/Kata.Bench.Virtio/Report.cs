using System.Globalization;
using System.Text;

namespace Kata.Bench.Virtio;

/// <summary>The Markdown report: host facts, the table (ours, direct, ratio, goal), every run, and how it was measured.</summary>
internal static class Report
{
    public static string Write(BenchOptions options, IReadOnlyList<Figure> figures, IReadOnlyList<string> problems, string loadBefore, string loadAfter)
    {
        var text = new StringBuilder();
        text.AppendLine($"# virtio devices against the direct host path — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine("Written by `bench/virtio/run.sh` (see bench/README.md, \"virtio devices\").");
        text.AppendLine();
        text.AppendLine("## Host");
        text.AppendLine();
        text.AppendLine($"- CPU: {HostFacts.CpuModel()}, {Environment.ProcessorCount} logical CPUs; memory {HostFacts.MemoryTotal()}");
        text.AppendLine($"- kernel {HostFacts.Kernel()}; {HostFacts.Runtime()}, Release build");
        text.AppendLine($"- load average before: {loadBefore}; after: {loadAfter}");
        text.AppendLine($"- runs per figure: {options.Runs} (ours and direct alternating); the figure is the median");
        text.AppendLine();
        text.AppendLine("## Figures");
        text.AppendLine();
        text.AppendLine($"| figure | ours | direct | unit | ratio | goal (≥ {Figure.Goal.ToString(CultureInfo.InvariantCulture)}) | best runs: ours / direct | ratio of best |");
        text.AppendLine("|---|---:|---:|---|---:|---|---:|---:|");
        foreach (Figure figure in figures)
        {
            text.AppendLine($"| {figure.Name} | {Runs.Format(figure.Ours)} | {Runs.Format(figure.Direct)} | {figure.Unit} | " +
                $"{figure.Ratio.ToString("F2", CultureInfo.InvariantCulture)} | {(figure.GoalMet ? "met" : "MISSED")} | " +
                $"{Runs.Format(figure.OursBest)} / {Runs.Format(figure.DirectBest)} | {figure.BestRatio.ToString("F2", CultureInfo.InvariantCulture)} |");
        }
        text.AppendLine();
        text.AppendLine("Ours and direct are medians; the goal is judged on them. Ratio: ours ÷ direct for rates, direct ÷ ours for times,");
        text.AppendLine("so 1 means as good as the direct path and the goal reads the same for both. On a busy host the best runs are the");
        text.AppendLine("better estimate of the cost itself (less of other work in them); the medians are what a caller sees there.");
        text.AppendLine();
        text.AppendLine("Every run:");
        text.AppendLine();
        foreach (Figure figure in figures)
        {
            text.AppendLine($"- {figure.Name} ({figure.Unit}): {figure.Spread}");
        }
        if (problems.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("## Problems seen");
            text.AppendLine();
            foreach (string problem in problems)
            {
                text.AppendLine($"- {problem}");
            }
        }
        text.AppendLine();
        text.AppendLine("## What was measured");
        text.AppendLine();
        text.AppendLine($"- vsock: the real `VirtioVsock` and muxer on a Unix socket, queue notifications through eventfds on the real");
        text.AppendLine("  event loop; a guest thread in the same process drives the rings as Linux's virtio_transport (64 KiB receive");
        text.AppendLine("  buffers, packets in one descriptor, buf_alloc 256 KiB, CREDIT_UPDATE when less than a packet of space is");
        text.AppendLine("  unreported, sleeps on the interrupt line). The host side connects with `CONNECT 1024`, then writes or reads");
        text.AppendLine($"  {options.StreamMiB} MiB in 64 KiB calls, or sends 64 bytes and waits for the echo {options.RoundTrips} times.");
        text.AppendLine("  Direct: the same over a connected pair of Unix stream sockets, a second thread on the other end.");
        text.AppendLine($"- virtio-blk: the real `VirtioBlock` over a {options.ImageMiB} MiB image (in {options.ImageDirectory}, read once");
        text.AppendLine("  first, so both sides read from the page cache), a guest driver thread keeping N requests in flight");
        text.AppendLine($"  (header, one data buffer, status), {options.RandomReads} random 4 KiB reads and {options.SequentialMiB} MiB of 1 MiB");
        text.AppendLine("  sequential reads; every status byte and used length is checked, and one block of each kind is compared with");
        text.AppendLine("  pread. Direct: `pread` of the same offsets from one thread.");
        text.AppendLine("- Not included: the guest's own MMIO exits (register writes are function calls here; under KVM a notify is an");
        text.AppendLine("  ioeventfd and an ack is an MMIO exit), and the guest kernel's socket layer.");
        return text.ToString();
    }
}
