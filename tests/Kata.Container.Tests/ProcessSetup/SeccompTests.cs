using Kata.Container.Tests.Infrastructure;
using Kata.Oci.Spec;

namespace Kata.Container.Tests.ProcessSetup;

/// <summary>linux.seccomp goes into the container process (the compiler and loader are tested in their own folder).</summary>
public sealed class SeccompTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FilterFromTheSpecIsInForceInTheContainer(bool noNewPrivileges)
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        var run = await harness.RunAsync($"seccomp-{noNewPrivileges.ToString().ToLowerInvariant()}",
            ["sh", "-c", "mkdir /tmp/made && echo mkdir-allowed || echo mkdir-denied; grep '^Seccomp:' /proc/self/status"],
            spec => spec with
            {
                Root = spec.Root! with { Readonly = false },
                Process = spec.Process! with { NoNewPrivileges = noNewPrivileges },
                Linux = spec.Linux! with
                {
                    Seccomp = new LinuxSeccomp
                    {
                        DefaultAction = SeccompAction.Allow,
                        Architectures = [SeccompArch.X86_64],
                        Syscalls = [new LinuxSyscall { Names = ["mkdir", "mkdirat"], Action = SeccompAction.Errno, ErrnoRet = 1 }],
                    },
                },
            });

        Assert.Equal(["mkdir-denied", "Seccomp:\t2"], run.Lines);
        Assert.Contains("Operation not permitted", run.Stderr);
    }
}
