using System.Runtime.InteropServices;
using Kata.Container.Interop;

namespace Kata.Container.Spawn;

/// <summary>
/// Starts a child with posix_spawn(3): glibc's vfork-style clone runs only async-signal-safe code in the child before
/// execve, which is the safe way to create a process from a multi-threaded .NET runtime (never fork()). Given
/// descriptors are placed at fixed numbers in the child; every other descriptor of ours is close-on-exec (the runtime
/// opens them O_CLOEXEC), so nothing else leaks in.
/// </summary>
internal static unsafe class PosixSpawner
{
    // glibc x86_64: posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128; allocate with room.
    private const int FileActionsSize = 256;
    private const int AttributesSize = 1024;
    private const int SignalSetSize = 128;
    private const int F_DUPFD_CLOEXEC = 1030;

    private static int MaxChildFd(IReadOnlyList<ChildFileDescriptor> descriptors)
    {
        var highest = 2;
        foreach (var descriptor in descriptors)
        {
            highest = Math.Max(highest, descriptor.ChildFd);
        }
        return highest;
    }

    private static void FillAllSignals(void* set)
    {
        // sigset_t is a bit array: signal n is bit n-1 (glibc sigset.h).
        var words = (ulong*)set;
        words[0] = ulong.MaxValue;
    }

    /// <summary>Spawns <paramref name="path"/> and returns its pid. Signal dispositions and the mask are reset to the
    /// defaults (the runtime ignores SIGPIPE, which a child would otherwise inherit).</summary>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> environment,
        IReadOnlyList<ChildFileDescriptor> descriptors, bool newSession)
    {
        // dup every source above all target numbers first, so no dup2 in the child overwrites a source still needed.
        var lowest = 10;
        foreach (var descriptor in descriptors)
        {
            lowest = Math.Max(lowest, descriptor.ChildFd + 1);
        }

        var duplicates = new List<int>(descriptors.Count);
        var fileActions = NativeMemory.AllocZeroed(FileActionsSize);
        var attributes = NativeMemory.AllocZeroed(AttributesSize);
        var defaults = NativeMemory.AllocZeroed(SignalSetSize);
        var mask = NativeMemory.AllocZeroed(SignalSetSize);
        var fileActionsReady = false;
        var attributesReady = false;
        try
        {
            foreach (var descriptor in descriptors)
            {
                var added = false;
                try
                {
                    descriptor.Source.DangerousAddRef(ref added);
                    var fd = (int)descriptor.Source.DangerousGetHandle();
                    duplicates.Add(Errno.Check(Libc.Fcntl(fd, F_DUPFD_CLOEXEC, lowest), "fcntl(F_DUPFD_CLOEXEC)", $"fd {fd}"));
                }
                finally
                {
                    if (added)
                    {
                        descriptor.Source.DangerousRelease();
                    }
                }
            }

            Errno.CheckReturned(Libc.PosixSpawnFileActionsInit(fileActions), "posix_spawn_file_actions_init");
            fileActionsReady = true;
            for (var i = 0; i < descriptors.Count; i++)
            {
                // dup2 clears FD_CLOEXEC on the target, so the child keeps exactly these.
                Errno.CheckReturned(Libc.PosixSpawnFileActionsAddDup2(fileActions, duplicates[i], descriptors[i].ChildFd),
                    "posix_spawn_file_actions_adddup2", $"fd {descriptors[i].ChildFd}");
            }

            // Nothing else of ours reaches the child, even a descriptor someone opened without O_CLOEXEC.
            Errno.CheckReturned(Libc.PosixSpawnFileActionsAddClosefrom(fileActions, MaxChildFd(descriptors) + 1),
                "posix_spawn_file_actions_addclosefrom_np");

            Errno.CheckReturned(Libc.PosixSpawnAttrInit(attributes), "posix_spawnattr_init");
            attributesReady = true;
            // Every signal back to SIG_DFL, glibc's internal ones (32, 33) included: glibc's sigfillset leaves those out
            // and its posix_spawn then sets them to SIG_IGN, which would survive execve into the container.
            FillAllSignals(defaults);
            Libc.Sigemptyset(mask);
            Errno.CheckReturned(Libc.PosixSpawnAttrSetSigDefault(attributes, defaults), "posix_spawnattr_setsigdefault");
            Errno.CheckReturned(Libc.PosixSpawnAttrSetSigMask(attributes, mask), "posix_spawnattr_setsigmask");
            var flags = (short)(LinuxConstants.POSIX_SPAWN_SETSIGDEF | LinuxConstants.POSIX_SPAWN_SETSIGMASK
                | (newSession ? LinuxConstants.POSIX_SPAWN_SETSID : 0));
            Errno.CheckReturned(Libc.PosixSpawnAttrSetFlags(attributes, flags), "posix_spawnattr_setflags");

            using var arguments = new NativeStringArray(argv);
            using var variables = new NativeStringArray(environment);
            var pathBytes = NativeStringArray.AllocateUtf8(path);
            try
            {
                int pid;
                Errno.CheckReturned(Libc.PosixSpawn(&pid, pathBytes, fileActions, attributes, arguments.Pointer, variables.Pointer),
                    "posix_spawn", path);
                return pid;
            }
            finally
            {
                NativeMemory.Free(pathBytes);
            }
        }
        finally
        {
            if (fileActionsReady)
            {
                Libc.PosixSpawnFileActionsDestroy(fileActions);
            }
            if (attributesReady)
            {
                Libc.PosixSpawnAttrDestroy(attributes);
            }
            NativeMemory.Free(fileActions);
            NativeMemory.Free(attributes);
            NativeMemory.Free(defaults);
            NativeMemory.Free(mask);
            foreach (var duplicate in duplicates)
            {
                Libc.Close(duplicate);
            }
        }
    }
}
