using System.Runtime.InteropServices;

namespace Kata.Sandbox.Interop;

/// <summary>lstat(2) (glibc ≥ 2.33 exports it as a plain symbol), with errno turned into an IOException naming the path.</summary>
internal static partial class FileStatusLibc
{
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LStat(string path, out FileStatus status);

    /// <summary>The status of <paramref name="path"/> itself (a symlink is not followed).</summary>
    public static FileStatus Of(string path)
    {
        if (LStat(path, out FileStatus status) == 0)
        {
            return status;
        }
        int errno = Marshal.GetLastPInvokeError();
        string message = $"lstat {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
        throw errno is ENOENT or ENOTDIR ? new FileNotFoundException(message, path) : new IOException(message);
    }
}
