using System.Runtime.InteropServices;
using Kata.Container.Interop;
using Kata.Oci.Spec;

namespace Kata.Container.ProcessSetup;

/// <summary>
/// The five capability sets of the process (capabilities(7)): the bounding set is dropped with PR_CAPBSET_DROP while
/// we still hold CAP_SETPCAP (before the uid change), then effective/permitted/inheritable are set with capset(2), then
/// the ambient set is raised (it needs the capability in permitted and inheritable). All of it is per thread: it runs
/// on the thread that calls execve.
/// </summary>
internal sealed unsafe class CapabilitySets
{
    private CapabilitySets(ulong bounding, ulong effective, ulong permitted, ulong inheritable, ulong ambient, int last)
    {
        Bounding = bounding;
        Effective = effective;
        Permitted = permitted;
        Inheritable = inheritable;
        Ambient = ambient;
        LastSupported = last;
    }

    public ulong Bounding { get; }
    public ulong Effective { get; }
    public ulong Permitted { get; }
    public ulong Inheritable { get; }
    public ulong Ambient { get; }
    public int LastSupported { get; }

    /// <summary>The sets from the spec; an absent capabilities object means none at all (as runc).</summary>
    public static CapabilitySets From(LinuxCapabilities? capabilities)
    {
        var last = CapabilityNames.LastSupported();
        return new CapabilitySets(
            CapabilityNames.ToMask(capabilities?.Bounding, "bounding", last),
            CapabilityNames.ToMask(capabilities?.Effective, "effective", last),
            CapabilityNames.ToMask(capabilities?.Permitted, "permitted", last),
            CapabilityNames.ToMask(capabilities?.Inheritable, "inheritable", last),
            CapabilityNames.ToMask(capabilities?.Ambient, "ambient", last),
            last);
    }

    public void DropBounding()
    {
        for (var capability = 0; capability <= LastSupported; capability++)
        {
            if ((Bounding & (1UL << capability)) == 0)
            {
                Errno.Check(Libc.Prctl(LinuxConstants.PR_CAPBSET_DROP, (ulong)capability, 0, 0, 0), "prctl(PR_CAPBSET_DROP)", $"capability {capability}");
            }
        }
    }

    public void Apply()
    {
        var header = new CapUserHeader { Version = LinuxConstants.LINUX_CAPABILITY_VERSION_3, Pid = 0 };
        var data = stackalloc CapUserData[2];
        data[0] = new CapUserData { Effective = (uint)Effective, Permitted = (uint)Permitted, Inheritable = (uint)Inheritable };
        data[1] = new CapUserData
        {
            Effective = (uint)(Effective >> 32),
            Permitted = (uint)(Permitted >> 32),
            Inheritable = (uint)(Inheritable >> 32),
        };
        Errno.Check(Libc.Capset(&header, data), "capset");

        Errno.Check(Libc.Prctl(LinuxConstants.PR_CAP_AMBIENT, LinuxConstants.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
        for (var capability = 0; capability <= LastSupported; capability++)
        {
            if ((Ambient & (1UL << capability)) != 0)
            {
                // prctl(2): raising needs the capability in permitted *and* inheritable, else EPERM. `runc spec` lists
                // ambient capabilities without inheritable ones (dropped for CVE-2022-29162), and runc applies such a
                // config by leaving them out, so a capability that cannot be raised is skipped rather than fatal.
                if (Libc.Prctl(LinuxConstants.PR_CAP_AMBIENT, LinuxConstants.PR_CAP_AMBIENT_RAISE, (ulong)capability, 0, 0) != 0
                    && ((Permitted & Inheritable & (1UL << capability)) != 0 || Marshal.GetLastPInvokeError() != Errno.EPERM))
                {
                    Errno.Check(-1, "prctl(PR_CAP_AMBIENT_RAISE)", $"capability {capability}");
                }
            }
        }
    }
}
