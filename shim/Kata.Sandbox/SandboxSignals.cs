using System.Runtime.InteropServices;

namespace Kata.Sandbox;

/// <summary>kill(2) for SIGTERM, and SIGKILL of one process (System.Diagnostics.Process kills a whole tree, walking /proc).</summary>
internal static partial class SandboxSignals
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static bool Terminate(int pid) => Kill(pid, SigTerm) == 0;

    public static bool KillProcess(int pid) => Kill(pid, SigKill) == 0;
}
