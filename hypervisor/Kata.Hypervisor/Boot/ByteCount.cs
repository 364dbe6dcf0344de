namespace Kata.Hypervisor.Boot;

/// <summary>Sizes for error messages: "40 MiB", "1.5 MiB", "812 bytes".</summary>
internal static class ByteCount
{
    public static string Describe(ulong bytes)
    {
        const ulong MiB = 1UL << 20;
        const ulong KiB = 1UL << 10;
        if (bytes >= MiB)
        {
            return bytes % MiB == 0 ? $"{bytes / MiB} MiB" : $"{bytes / (double)MiB:0.#} MiB";
        }
        if (bytes >= KiB)
        {
            return bytes % KiB == 0 ? $"{bytes / KiB} KiB" : $"{bytes / (double)KiB:0.#} KiB";
        }
        return $"{bytes} bytes";
    }
}
