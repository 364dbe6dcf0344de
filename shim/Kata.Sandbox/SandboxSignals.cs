using System.Runtime.InteropServices;

namespace Kata.Sandbox;

/// <summary>kill(2) for SIGTERM (System.Diagnostics.Process only sends SIGKILL).</summary>
internal static partial class SandboxSignals
{
    private const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static bool Terminate(int pid) => Kill(pid, SigTerm) == 0;
}
