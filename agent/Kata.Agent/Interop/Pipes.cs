using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Kata.Agent.Interop;

/// <summary>pipe2(2) with O_CLOEXEC: both ends as SafeFileHandles (the engine dup2()s the child's end into the stage).</summary>
internal static partial class Pipes
{
    private const int OCloexec = 0x80000;

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static unsafe partial int Pipe2(int* fds, int flags);

    public static unsafe (SafeFileHandle Read, SafeFileHandle Write) Create()
    {
        int* fds = stackalloc int[2];
        if (Pipe2(fds, OCloexec) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"pipe2 failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
        return (new SafeFileHandle(fds[0], ownsHandle: true), new SafeFileHandle(fds[1], ownsHandle: true));
    }
}
