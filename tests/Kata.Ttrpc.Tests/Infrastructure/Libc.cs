using System.Runtime.InteropServices;

namespace Kata.Ttrpc.Tests.Infrastructure;

/// <summary>dup(2), to hand the server a bare listening fd as a shim daemon inherits it on fd 3.</summary>
internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    public static partial int Dup(int fd);
}
