using System.Collections;
using System.Runtime.InteropServices;
using System.Text;

namespace Kata.Shim.Interop;

/// <summary>
/// Starts a program with posix_spawn(3) and an exact descriptor table: each entry of the map becomes that fd number in
/// the child (dup2 in the file actions), 0-2 are /dev/null unless mapped, and nothing else is inherited (.NET opens
/// every descriptor close-on-exec). This is how the shim hands its listening socket to the daemon as fd 3 and pipes to
/// a `binary://` logger as fds 3-5 — no fork() from managed code (ARCHITECTURE.md, "Forking from .NET").
/// </summary>
public static unsafe class ProcessSpawner
{
    /// <summary>Descriptors are first duplicated at or above this number, so a map like {3→4, 4→3} cannot clobber itself.</summary>
    private const int StagingFdFloor = 100;

    /// <summary>Spawns <paramref name="argv"/>[0]'s program (an absolute path) and returns its pid.</summary>
    /// <param name="argv">argv, including argv[0].</param>
    /// <param name="descriptors">child fd → the parent's fd that becomes it.</param>
    /// <param name="newSession">setsid() in the child (the shim daemon must not share containerd's session or process group).</param>
    /// <param name="environment">the child's environment; null = ours.</param>
    public static int Spawn(IReadOnlyList<string> argv, IReadOnlyDictionary<int, int> descriptors, bool newSession,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        if (argv.Count == 0 || !Path.IsPathRooted(argv[0]))
        {
            throw new ArgumentException("posix_spawn needs an absolute program path as argv[0]", nameof(argv));
        }
        var staged = new List<int>();
        void* actions = NativeMemory.AllocZeroed(Libc.SpawnStructBytes);
        void* attributes = NativeMemory.AllocZeroed(Libc.SpawnStructBytes);
        void* signalSet = NativeMemory.AllocZeroed(Libc.SpawnStructBytes);
        var strings = new List<IntPtr>();
        try
        {
            Check(Libc.SpawnFileActionsInit(actions), "posix_spawn_file_actions_init");
            Check(Libc.SpawnAttrInit(attributes), "posix_spawnattr_init");
            byte* devNull = Utf8("/dev/null", strings);
            for (int fd = 0; fd <= 2; fd++)
            {
                if (!descriptors.ContainsKey(fd))
                {
                    Check(Libc.SpawnFileActionsAddOpen(actions, fd, devNull, Libc.O_RDWR, 0), "posix_spawn_file_actions_addopen", "/dev/null");
                }
            }
            foreach ((int childFd, int parentFd) in descriptors)
            {
                int copy = Libc.Fcntl(parentFd, Libc.F_DUPFD_CLOEXEC, StagingFdFloor);
                if (copy < 0)
                {
                    throw ErrnoException.FromLastError("fcntl(F_DUPFD_CLOEXEC)", $"fd {parentFd}");
                }
                staged.Add(copy);
                // dup2 onto the target number clears FD_CLOEXEC there, so exactly the mapped fds survive the exec.
                Check(Libc.SpawnFileActionsAddDup2(actions, copy, childFd), "posix_spawn_file_actions_adddup2", $"fd {parentFd} → {childFd}");
            }
            short flags = Libc.POSIX_SPAWN_SETSIGMASK;
            if (newSession)
            {
                flags |= Libc.POSIX_SPAWN_SETSID;
            }
            Libc.SigEmptySet(signalSet);
            Check(Libc.SpawnAttrSetSigMask(attributes, signalSet), "posix_spawnattr_setsigmask");
            Check(Libc.SpawnAttrSetFlags(attributes, flags), "posix_spawnattr_setflags");

            byte** argvPointers = PointerArray(argv, strings);
            byte** envPointers = PointerArray(EnvironmentLines(environment), strings);
            int pid;
            int error = Libc.PosixSpawn(out pid, argvPointers[0], actions, attributes, argvPointers, envPointers);
            if (error != 0)
            {
                throw new ErrnoException("posix_spawn", error, argv[0]);
            }
            return pid;
        }
        finally
        {
            foreach (int fd in staged)
            {
                Libc.Close(fd);
            }
            Libc.SpawnFileActionsDestroy(actions);
            Libc.SpawnAttrDestroy(attributes);
            NativeMemory.Free(actions);
            NativeMemory.Free(attributes);
            NativeMemory.Free(signalSet);
            foreach (IntPtr pointer in strings)
            {
                NativeMemory.Free((void*)pointer);
            }
        }
    }

    private static List<string> EnvironmentLines(IReadOnlyDictionary<string, string>? environment)
    {
        var lines = new List<string>();
        if (environment is not null)
        {
            lines.AddRange(environment.Select(pair => $"{pair.Key}={pair.Value}"));
            return lines;
        }
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            lines.Add($"{entry.Key}={entry.Value}");
        }
        return lines;
    }

    private static void Check(int result, string call, string? subject = null)
    {
        if (result != 0)
        {
            throw new ErrnoException(call, result, subject);
        }
    }

    private static byte* Utf8(string value, List<IntPtr> owned)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        byte* buffer = (byte*)NativeMemory.Alloc((nuint)length + 1);
        owned.Add((IntPtr)buffer);
        Encoding.UTF8.GetBytes(value, new Span<byte>(buffer, length));
        buffer[length] = 0;
        return buffer;
    }

    private static byte** PointerArray(IReadOnlyList<string> values, List<IntPtr> owned)
    {
        byte** array = (byte**)NativeMemory.Alloc((nuint)(values.Count + 1), (nuint)sizeof(byte*));
        owned.Add((IntPtr)array);
        for (int i = 0; i < values.Count; i++)
        {
            array[i] = Utf8(values[i], owned);
        }
        array[values.Count] = null;
        return array;
    }
}
