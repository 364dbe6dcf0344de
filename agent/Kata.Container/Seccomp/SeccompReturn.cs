using Kata.Oci.Spec;

namespace Kata.Container.Seccomp;

/// <summary>The SECCOMP_RET_* filter return values (seccomp(2), linux/seccomp.h) and how OCI actions map onto them.</summary>
public static class SeccompReturn
{
    public const uint KillProcess = 0x80000000;
    public const uint KillThread = 0x00000000;
    public const uint Trap = 0x00030000;
    public const uint Errno = 0x00050000;
    public const uint UserNotif = 0x7fc00000;
    public const uint Trace = 0x7ff00000;
    public const uint Log = 0x7ffc0000;
    public const uint Allow = 0x7fff0000;

    /// <summary>SECCOMP_RET_ACTION_FULL: the action bits; the rest (SECCOMP_RET_DATA) is the errno or trace data.</summary>
    public const uint ActionMask = 0xffff0000;
    public const uint DataMask = 0x0000ffff;

    /// <summary>EPERM, the errno of SCMP_ACT_ERRNO (and the data of SCMP_ACT_TRACE) when the spec gives none, as runc does.</summary>
    public const uint DefaultErrno = 1;

    /// <summary>The filter return value for an OCI action; <paramref name="errnoRet"/> applies to ERRNO and TRACE.</summary>
    /// <exception cref="NotSupportedException">SCMP_ACT_NOTIFY: no seccomp user-notification listener is implemented.</exception>
    public static uint For(SeccompAction action, uint? errnoRet, string where) => action switch
    {
        SeccompAction.Kill or SeccompAction.KillThread => KillThread,
        SeccompAction.KillProcess => KillProcess,
        SeccompAction.Trap => Trap,
        SeccompAction.Errno => Errno | Data(errnoRet ?? DefaultErrno, where),
        SeccompAction.Trace => Trace | Data(errnoRet ?? DefaultErrno, where),
        SeccompAction.Allow => Allow,
        SeccompAction.Log => Log,
        SeccompAction.Notify => throw new NotSupportedException(
            $"{where}: SCMP_ACT_NOTIFY is not supported (kata-style has no seccomp user-notification listener)"),
        _ => throw new ContainerConfigException($"{where}: unknown seccomp action {action}"),
    };

    private static uint Data(uint value, string where) => value <= DataMask
        ? value
        : throw new ContainerConfigException($"{where}: errnoRet {value} does not fit the 16-bit SECCOMP_RET_DATA field");
}
