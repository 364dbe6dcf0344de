using System.Runtime.InteropServices;
using Kata.Sandbox.Interop;

namespace Kata.Sandbox;

/// <summary>
/// Starts a process that outlives its starter: posix_spawn(3) with POSIX_SPAWN_SETSID, so it leads a session of
/// its own (no controlling terminal, not in the starter's process group: a Ctrl-C or SIGHUP aimed at the starter's
/// terminal does not reach it), with every signal at its default disposition and none blocked (the .NET runtime
/// ignores SIGPIPE and blocks some signals in its threads; a long-lived child must not inherit that).
/// The caller decides the child's file descriptors: each (source, target) pair is dup2'ed in the child, which also
/// clears close-on-exec on the target; every other descriptor the runtime opened is close-on-exec and stays behind.
/// Used by the kata-style CLI for its per-container monitor (no fork() from managed code: ARCHITECTURE.md).
/// </summary>
public static unsafe class DetachedProcess
{
    /// <summary>Starts <paramref name="command"/> + <paramref name="args"/> detached; returns its pid.</summary>
    public static int Spawn(CommandPrefix command, IEnumerable<string> args, IReadOnlyList<(int Source, int Target)> descriptors)
    {
        string[] argv = [.. command.Words, .. args];
        string[] envp = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Select(key => $"{key}={Environment.GetEnvironmentVariable(key)}").ToArray();
        byte* attr = stackalloc byte[SpawnLibc.AttrBytes];
        byte* actions = stackalloc byte[SpawnLibc.FileActionsBytes];
        byte* mask = stackalloc byte[SpawnLibc.SigsetBytes];
        byte* defaults = stackalloc byte[SpawnLibc.SigsetBytes];
        using var nativeArgv = new NativeStrings(argv);
        using var nativeEnvp = new NativeStrings(envp);
        Check(SpawnLibc.AttrInit(attr), "posix_spawnattr_init");
        Check(SpawnLibc.FileActionsInit(actions), "posix_spawn_file_actions_init");
        try
        {
            SpawnLibc.SigEmptySet(mask);
            SpawnLibc.SigFillSet(defaults);
            // SIGKILL and SIGSTOP cannot have their disposition changed; glibc rejects a set that contains them.
            SpawnLibc.SigDelSet(defaults, 9);
            SpawnLibc.SigDelSet(defaults, 19);
            Check(SpawnLibc.AttrSetSigMask(attr, mask), "posix_spawnattr_setsigmask");
            Check(SpawnLibc.AttrSetSigDefault(attr, defaults), "posix_spawnattr_setsigdefault");
            Check(SpawnLibc.AttrSetFlags(attr, SpawnLibc.PosixSpawnSetSid | SpawnLibc.PosixSpawnSetSigMask | SpawnLibc.PosixSpawnSetSigDef),
                "posix_spawnattr_setflags");
            foreach ((int source, int target) in descriptors)
            {
                Check(SpawnLibc.FileActionsAddDup2(actions, source, target), $"posix_spawn_file_actions_adddup2({source}, {target})");
            }
            int error = SpawnLibc.PosixSpawnp(out int pid, nativeArgv.Pointers[0], actions, attr, nativeArgv.Pointers, nativeEnvp.Pointers);
            if (error != 0)
            {
                throw new SandboxStartException($"could not start {command.Program} detached: {Marshal.GetPInvokeErrorMessage(error)} (errno {error})");
            }
            return pid;
        }
        finally
        {
            SpawnLibc.FileActionsDestroy(actions);
            SpawnLibc.AttrDestroy(attr);
        }
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new SandboxStartException($"{call}: {Marshal.GetPInvokeErrorMessage(error)} (errno {error})");
        }
    }

    /// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings in native memory.</summary>
    private sealed class NativeStrings : IDisposable
    {
        public NativeStrings(IReadOnlyList<string> values)
        {
            Pointers = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(byte*));
            for (int i = 0; i < values.Count; i++)
            {
                Pointers[i] = (byte*)Marshal.StringToCoTaskMemUTF8(values[i]);
            }
        }

        public byte** Pointers { get; }

        public void Dispose()
        {
            for (byte** p = Pointers; *p != null; p++)
            {
                Marshal.FreeCoTaskMem((nint)(*p));
            }
            NativeMemory.Free(Pointers);
        }
    }
}
