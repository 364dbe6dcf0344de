namespace Kata.Hypervisor.Interop;

/// <summary>KVM_CHECK_EXTENSION capability numbers (linux/kvm.h).</summary>
public enum KvmCapability
{
    Irqchip = 0,
    Hlt = 1,
    UserMemory = 3,
    SetTssAddr = 4,
    ExtCpuid = 7,
    Irqfd = 32,
    Pit2 = 33,
    Ioeventfd = 36,
    SetIdentityMapAddr = 37,
    ImmediateExit = 136,
}
