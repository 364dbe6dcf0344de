using Kata.Hypervisor.Interop;

namespace Kata.Hypervisor.Kvm;

/// <summary>
/// Kicks a vCPU thread out of KVM_RUN, as Firecracker does: set kvm_run.immediate_exit, then send the thread a
/// real-time signal whose handler does nothing. KVM_RUN returns EINTR either because the signal arrived while in the
/// guest or because immediate_exit was already set when it was entered, so no kick is lost.
/// </summary>
public static class VcpuKicker
{
    private static readonly Lazy<int> KickSignal = new(InstallHandler);

    /// <summary>SIGRTMIN+2: .NET uses SIGRTMIN itself for thread activation injection.</summary>
    public static int Signal => KickSignal.Value;

    /// <summary>Call on a vCPU thread before its first KVM_RUN; returns the pthread to kick.</summary>
    public static nuint RegisterCurrentThread()
    {
        _ = KickSignal.Value;
        return Libc.PthreadSelf();
    }

    public static void Kick(Vcpu vcpu, nuint thread)
    {
        vcpu.ImmediateExit = true;
        if (thread != 0)
        {
            _ = Libc.PthreadKill(thread, Signal);
        }
    }

    private static unsafe int InstallHandler()
    {
        int signal = Libc.SigRtMin() + 2;
        // The handler must be async-signal-safe native code that ignores its argument and returns; getpid is.
        // (SIG_IGN would not do: an ignored signal is discarded and never interrupts KVM_RUN.) No SA_RESTART, so the
        // ioctl returns EINTR instead of being restarted.
        IntPtr libc = System.Runtime.InteropServices.NativeLibrary.Load("libc.so.6");
        var action = new SigAction { Handler = System.Runtime.InteropServices.NativeLibrary.GetExport(libc, "getpid") };
        Errno.Check(Libc.Sigaction(signal, &action, null), "sigaction", $"signal {signal}");
        return signal;
    }
}
