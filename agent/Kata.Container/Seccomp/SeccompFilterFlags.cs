namespace Kata.Container.Seccomp;

/// <summary>SECCOMP_FILTER_FLAG_* for seccomp(SECCOMP_SET_MODE_FILTER, flags, prog) (linux/seccomp.h).</summary>
public static class SeccompFilterFlags
{
    public const uint Tsync = 1;
    public const uint Log = 2;
    public const uint SpecAllow = 4;
    public const uint NewListener = 8;
    public const uint TsyncEsrch = 16;
    public const uint WaitKillableRecv = 32;
}
