using Kata.Hypervisor.Kvm;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>Handles one exit on the vCPU thread; returns true to enter the guest again, false to stop.</summary>
public delegate bool TinyGuestExitHandler(VcpuExit exit);
