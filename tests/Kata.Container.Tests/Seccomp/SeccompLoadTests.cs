using Kata.Container.Seccomp;
using Kata.Oci.Spec;
using static Kata.Container.Tests.Seccomp.SeccompSpecs;
using static Kata.Container.Tests.Seccomp.ThreadSyscalls;

namespace Kata.Container.Tests.Seccomp;

/// <summary>
/// Real filters in the real kernel. A filter without SECCOMP_FILTER_FLAG_TSYNC binds only the thread that loads it
/// (and what it spawns), so each test loads it on a fresh thread that ends with the test; the test runner's other
/// threads stay unfiltered, which the tests check too. Only ERRNO and ALLOW are exercised for real: a KILL or TRAP
/// would take down a runtime thread.
/// </summary>
public sealed class SeccompLoadTests
{
    private const int EPERM = 1;
    private const int EACCES = 13;
    private const int EINVAL = 22;
    private const int ENOSYS = 38;

    private static SeccompProgram Compile(LinuxSeccomp seccomp) => SeccompCompiler.Compile(seccomp, Serilog.Core.Logger.None);

    [Fact]
    public void A_blocked_syscall_fails_on_the_filtered_thread_only()
    {
        var program = Compile(Profile(SeccompAction.Allow, Rule(SeccompAction.Errno, "getcwd")));
        var filtered = OnNewThread(() =>
        {
            SeccompLoader.Load(program, setNoNewPrivileges: true);
            return (Getcwd: GetcwdErrno(), NoNewPrivs: ReadNoNewPrivs());
        });
        Assert.Equal(EPERM, filtered.Getcwd);
        Assert.Equal("1", filtered.NoNewPrivs);

        Assert.Equal(0, GetcwdErrno());
        Assert.Equal(0, OnNewThread(GetcwdErrno));
        Assert.Equal("0", OnNewThread(ReadNoNewPrivs));
    }

    [Fact]
    public void Filter_flags_are_accepted_by_the_kernel()
    {
        var program = Compile(new LinuxSeccomp
        {
            DefaultAction = SeccompAction.Allow,
            Flags = [SeccompFlag.Log, SeccompFlag.SpecAllow],
            Syscalls = [Rule(SeccompAction.Log, "getcwd"), Rule(SeccompAction.Errno, "mkdir")],
        });
        var mkdir = OnNewThread(() =>
        {
            SeccompLoader.Load(program, setNoNewPrivileges: true);
            return (Getcwd: GetcwdErrno(), Mkdir: MkdirErrno("/nonexistent-kata-dir/x"));
        });
        Assert.Equal(0, mkdir.Getcwd);
        Assert.Equal(EPERM, mkdir.Mkdir);
    }

    [Fact]
    public void Argument_conditions_hold_in_the_kernel()
    {
        Infrastructure.RootOnly.Require();
        var pid = Environment.ProcessId;
        // kill(pid, 0) is EACCES only for signal 0; kill(pid, SIGCONT=18) is let through.
        var program = Compile(Profile(SeccompAction.Allow, new LinuxSyscall
        {
            Names = ["kill"],
            Action = SeccompAction.Errno,
            ErrnoRet = EACCES,
            Args = [Arg(0, SeccompOperator.EqualTo, (ulong)pid), Arg(1, SeccompOperator.LessEqual, 0)],
        }));
        var (probe, wake) = OnNewThread(() =>
        {
            // as root, CAP_SYS_ADMIN allows loading without no_new_privs
            SeccompLoader.Load(program, setNoNewPrivileges: false);
            return (Errno(Kill, pid, 0), Errno(Kill, pid, 18));
        });
        Assert.Equal(EACCES, probe);
        Assert.Equal(0, wake);
        Assert.Equal(0, Errno(Kill, pid, 0));
    }

    [Fact]
    public void Docker_default_profile_loads_and_denies_what_docker_denies()
    {
        var program = Compile(DockerDefault());
        var directory = Path.Combine(Path.GetTempPath(), "kata-seccomp-" + Guid.NewGuid().ToString("N"));
        try
        {
            var filtered = OnNewThread(() =>
            {
                SeccompLoader.Load(program, setNoNewPrivileges: true);
                return (Unshare: Errno(Unshare, (nint)CloneNewUser), Clone3: Errno(Clone3, 0, 0), Mkdir: MkdirErrno(directory), Getcwd: GetcwdErrno());
            });
            Assert.Equal(EPERM, filtered.Unshare);
            Assert.Equal(ENOSYS, filtered.Clone3);
            Assert.Equal(0, filtered.Mkdir);
            Assert.Equal(0, filtered.Getcwd);

            // Unfiltered, the same calls fail for their own reasons: a multi-threaded process cannot unshare a user
            // namespace, and clone3 with no arguments is malformed.
            Assert.Equal(EINVAL, OnNewThread(() => Errno(Unshare, (nint)CloneNewUser)));
            Assert.Equal(EINVAL, OnNewThread(() => Errno(Clone3, 0, 0)));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory);
            }
        }
    }

    private static string ReadNoNewPrivs() =>
        File.ReadLines("/proc/thread-self/status").First(l => l.StartsWith("NoNewPrivs:", StringComparison.Ordinal)).Split('\t')[^1].Trim();
}
