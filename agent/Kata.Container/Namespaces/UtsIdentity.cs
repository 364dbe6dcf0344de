using System.Text;
using Kata.Container.Interop;
using Kata.Oci.Spec;

namespace Kata.Container.Namespaces;

/// <summary>hostname and domainname (config.md "Hostname", "Domainname"); the spec requires a new uts namespace.</summary>
internal static unsafe class UtsIdentity
{
    public static void Apply(RuntimeSpec spec, NamespacePlan plan)
    {
        if (spec.Hostname is null && spec.Domainname is null)
        {
            return;
        }
        if (!plan.IsNew(NamespaceType.Uts))
        {
            throw new ContainerConfigException("hostname/domainname: setting them needs a new uts namespace in linux.namespaces");
        }
        if (spec.Hostname is { } hostname)
        {
            var bytes = Encoding.UTF8.GetBytes(hostname);
            fixed (byte* name = bytes)
            {
                Errno.Check(Libc.SetHostname(name, (nuint)bytes.Length), "sethostname", hostname);
            }
        }
        if (spec.Domainname is { } domainname)
        {
            var bytes = Encoding.UTF8.GetBytes(domainname);
            fixed (byte* name = bytes)
            {
                Errno.Check(Libc.SetDomainname(name, (nuint)bytes.Length), "setdomainname", domainname);
            }
        }
    }
}
