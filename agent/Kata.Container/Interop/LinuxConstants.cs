namespace Kata.Container.Interop;

/// <summary>Numbers from the Linux UAPI and glibc headers (x86_64) that the engine passes to <see cref="Libc"/>.</summary>
internal static class LinuxConstants
{
    // asm/unistd_64.h
    public const long SYS_pivot_root = 155;
    public const long SYS_pidfd_send_signal = 424;
    public const long SYS_pidfd_open = 434;
    public const long SYS_close_range = 436;
    public const long CLOSE_RANGE_CLOEXEC = 1 << 2;

    // fcntl.h
    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_RDWR = 0x2;
    public const int O_CREAT = 0x40;
    public const int O_NOCTTY = 0x100;
    public const int O_TRUNC = 0x200;
    public const int O_NONBLOCK = 0x800;
    public const int O_DIRECTORY = 0x10000;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;
    public const int SEEK_SET = 0;
    public const int SEEK_END = 2;
    public const uint MFD_CLOEXEC = 0x1;
    public const int F_GETFD = 1;
    public const int F_SETFD = 2;
    public const int FD_CLOEXEC = 1;

    // sys/socket.h
    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOCK_CLOEXEC = 0x80000;

    // poll.h
    public const short POLLIN = 0x1;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;

    // sys/stat.h
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFIFO = 0x1000;

    // sys/mount.h
    public const ulong MS_RDONLY = 0x1;
    public const ulong MS_NOSUID = 0x2;
    public const ulong MS_NODEV = 0x4;
    public const ulong MS_NOEXEC = 0x8;
    public const ulong MS_SYNCHRONOUS = 0x10;
    public const ulong MS_REMOUNT = 0x20;
    public const ulong MS_MANDLOCK = 0x40;
    public const ulong MS_DIRSYNC = 0x80;
    public const ulong MS_NOSYMFOLLOW = 0x100;
    public const ulong MS_NOATIME = 0x400;
    public const ulong MS_NODIRATIME = 0x800;
    public const ulong MS_BIND = 0x1000;
    public const ulong MS_MOVE = 0x2000;
    public const ulong MS_REC = 0x4000;
    public const ulong MS_SILENT = 0x8000;
    public const ulong MS_UNBINDABLE = 0x20000;
    public const ulong MS_PRIVATE = 0x40000;
    public const ulong MS_SLAVE = 0x80000;
    public const ulong MS_SHARED = 0x100000;
    public const ulong MS_RELATIME = 0x200000;
    public const ulong MS_STRICTATIME = 0x1000000;
    public const ulong MS_LAZYTIME = 0x2000000;
    public const int MNT_DETACH = 0x2;

    // sched.h
    public const int CLONE_FS = 0x200;
    public const int CLONE_NEWTIME = 0x80;
    public const int CLONE_NEWNS = 0x20000;
    public const int CLONE_NEWCGROUP = 0x2000000;
    public const int CLONE_NEWUTS = 0x4000000;
    public const int CLONE_NEWIPC = 0x8000000;
    public const int CLONE_NEWUSER = 0x10000000;
    public const int CLONE_NEWPID = 0x20000000;
    public const int CLONE_NEWNET = 0x40000000;

    // linux/prctl.h
    public const int PR_SET_PDEATHSIG = 1;
    public const int PR_SET_DUMPABLE = 4;
    public const int PR_SET_KEEPCAPS = 8;
    public const int PR_CAPBSET_READ = 23;
    public const int PR_CAPBSET_DROP = 24;
    public const int PR_SET_CHILD_SUBREAPER = 36;
    public const int PR_SET_NO_NEW_PRIVS = 38;
    public const int PR_CAP_AMBIENT = 47;
    public const int PR_CAP_AMBIENT_RAISE = 2;
    public const int PR_CAP_AMBIENT_CLEAR_ALL = 4;

    // linux/capability.h
    public const uint LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    // signal.h, sys/wait.h
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIG_SETMASK = 2;
    public const nint SIG_DFL = 0;
    public const nint SIG_IGN = 1;
    public const int WNOHANG = 1;
    public const int WEXITED = 4;
    public const int WNOWAIT = 0x1000000;
    public const int P_PID = 1;
    public const int P_PIDFD = 3;

    // spawn.h (glibc)
    public const short POSIX_SPAWN_SETSIGDEF = 0x04;
    public const short POSIX_SPAWN_SETSIGMASK = 0x08;
    public const short POSIX_SPAWN_SETSID = 0x80;

    // asm-generic/ioctls.h
    public const nuint TIOCSCTTY = 0x540E;
    public const nuint TIOCSWINSZ = 0x5414;
    public const nuint TIOCSPTLCK = 0x40045431;
    public const nuint TIOCGPTPEER = 0x5441;

    // sys/socket.h: SCM_RIGHTS descriptor passing
    public const int SOL_SOCKET = 1;
    public const int SCM_RIGHTS = 1;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;
}
