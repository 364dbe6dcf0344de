namespace Kata.Hypervisor.Vmm;

public enum VmState
{
    Created,
    Running,
    Paused,
    Stopped,
}
