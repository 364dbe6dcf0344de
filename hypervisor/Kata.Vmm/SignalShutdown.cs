using System.Runtime.InteropServices;
using Kata.Hypervisor.Vmm;
using Serilog;

namespace Kata.Vmm;

/// <summary>
/// SIGTERM and SIGINT shut the VM down instead of killing the process: the first one gracefully (the guest gets
/// <see cref="Grace"/> to power off, then the vCPUs are stopped), a second one at once.
/// </summary>
public sealed class SignalShutdown : IDisposable
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private readonly IVmControl _vm;
    private readonly ILogger _log;
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    private SignalShutdown(IVmControl vm, ILogger log, bool register)
    {
        _vm = vm;
        _log = log;
        _registrations = register
            ?
            [
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
                PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            ]
            : [];
    }

    /// <summary>Starts handling SIGTERM and SIGINT for <paramref name="vm"/>.</summary>
    public static SignalShutdown Register(IVmControl vm, ILogger log) => new(vm, log.ForContext<SignalShutdown>(), register: true);

    /// <summary>For tests: the same handling, driven by <see cref="Handle"/> instead of real signals.</summary>
    internal static SignalShutdown ForTesting(IVmControl vm, ILogger log) => new(vm, log, register: false);

    /// <summary>The shutdown a signal started (or the last one), for callers that want to observe it.</summary>
    public Task<VmExitStatus>? Shutdown { get; private set; }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }

    /// <summary>Reacts to one signal; returns the grace period it asked the VM for.</summary>
    internal TimeSpan Handle(PosixSignal signal)
    {
        bool first = Interlocked.Increment(ref _signals) == 1;
        TimeSpan grace = first ? Grace : TimeSpan.Zero;
        if (first)
        {
            _log.Information("Received {Signal}: shutting the VM down (the guest gets {GraceSeconds} s; send it again to stop at once)",
                signal, Grace.TotalSeconds);
        }
        else
        {
            _log.Warning("Received {Signal} again: stopping the VM now", signal);
        }
        Shutdown = ObserveAsync(_vm.ShutdownAsync(grace));
        return grace;
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the process alive: it exits once the VM has ended, with the VM's exit code.
        context.Cancel = true;
        Handle(context.Signal);
    }

    private async Task<VmExitStatus> ObserveAsync(Task<VmExitStatus> shutdown)
    {
        try
        {
            return await shutdown.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _log.Error(ex, "Shutting the VM down failed");
            throw;
        }
    }
}
