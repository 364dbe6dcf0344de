using Kata.Hypervisor.Kvm;

namespace Kata.Hypervisor.Vmm;

/// <summary>Lock-free counts of vCPU exits by <see cref="VcpuExitReason"/>, for the metrics command.</summary>
internal sealed class ExitCounters
{
    private const int Slots = 64;
    private readonly long[] _counts = new long[Slots + 1];

    public void Count(VcpuExitReason reason)
    {
        int slot = (uint)reason < Slots ? (int)reason : Slots;
        Interlocked.Increment(ref _counts[slot]);
    }

    public void AddTo(Dictionary<string, long> totals)
    {
        for (int slot = 0; slot <= Slots; slot++)
        {
            long n = Interlocked.Read(ref _counts[slot]);
            if (n == 0)
            {
                continue;
            }
            string name = slot == Slots ? nameof(VcpuExitReason.Interrupted)
                : Enum.IsDefined((VcpuExitReason)slot) ? ((VcpuExitReason)slot).ToString() : $"Exit{slot}";
            totals[name] = totals.GetValueOrDefault(name) + n;
        }
    }
}
