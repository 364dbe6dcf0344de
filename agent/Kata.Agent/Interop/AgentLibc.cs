using System.Runtime.InteropServices;

namespace Kata.Agent.Interop;

/// <summary>The few libc calls the agent itself makes (the container engine has its own interop).</summary>
internal static partial class AgentLibc
{
    private const string Lib = "libc";

    public const int AfVsock = 40;
    public const int SockStream = 1;
    public const int SockCloexec = 0x80000;
    /// <summary>VMADDR_CID_ANY (linux/vm_sockets.h).</summary>
    public const uint VmaddrCidAny = uint.MaxValue;

    [LibraryImport(Lib, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Lib, EntryPoint = "bind", SetLastError = true)]
    public static unsafe partial int Bind(int fd, void* address, uint length);

    [LibraryImport(Lib, EntryPoint = "listen", SetLastError = true)]
    public static partial int Listen(int fd, int backlog);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string source, string target, string fstype, ulong flags, string? data);

    [LibraryImport(Lib, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport(Lib, EntryPoint = "getpid")]
    public static partial int GetPid();

    [LibraryImport(Lib, EntryPoint = "clock_settime", SetLastError = true)]
    public static unsafe partial int ClockSetTime(int clock, Timespec* time);

    [LibraryImport(Lib, EntryPoint = "reboot", SetLastError = true)]
    public static partial int Reboot(int command);

    [LibraryImport(Lib, EntryPoint = "sync")]
    public static partial void Sync();

    [LibraryImport(Lib, EntryPoint = "waitid", SetLastError = true)]
    public static unsafe partial int Waitid(int idType, uint id, void* siginfo, int options);

    [LibraryImport(Lib, EntryPoint = "waitpid", SetLastError = true)]
    public static unsafe partial int Waitpid(int pid, int* status, int options);

    /// <summary>waitid(2) id types and options (linux/wait.h).</summary>
    public const int PAll = 0, WNohang = 1, WExited = 4, WNowait = 0x01000000;
    public const int Eintr = 4;

    [LibraryImport(Lib, EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    /// <summary>PR_SET_CHILD_SUBREAPER (linux/prctl.h).</summary>
    public const int PrSetChildSubreaper = 36;
    /// <summary>LINUX_REBOOT_CMD_POWER_OFF (linux/reboot.h).</summary>
    public const int RebootPowerOff = 0x4321fedc;
    public const int ClockRealtime = 0;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>struct sockaddr_vm (linux/vm_sockets.h), 16 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrVm
    {
        public ushort Family;
        public ushort Reserved1;
        public uint Port;
        public uint Cid;
        public uint Zero;
    }
}
