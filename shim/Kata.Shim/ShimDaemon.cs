using System.Net.Sockets;
using System.Runtime.InteropServices;
using Kata.Sandbox;
using Kata.Sandbox.Configuration;
using Kata.Shim.Events;
using Kata.Shim.Logging;
using Kata.Shim.Manager;
using Kata.Shim.Pod;
using Kata.Shim.Service;
using Kata.Ttrpc.Server;
using Serilog;

namespace Kata.Shim;

/// <summary>
/// The shim daemon `start` launched: serves the Task API (as containerd.task.v2.Task and .v3.Task) on the listening
/// socket inherited as fd 3, forwards events to TTRPC_ADDRESS, and exits after a Shutdown that leaves no containers
/// (or on SIGTERM, after stopping the sandbox).
/// </summary>
public static class ShimDaemon
{
    /// <summary>The fd the listening socket arrives on (containerd runtime/v2 shim convention).</summary>
    public const int ListenerFd = 3;
    public const string TtrpcAddressVariable = "TTRPC_ADDRESS";

    public static async Task<int> RunAsync(ShimInvocation invocation)
    {
        string bundle = invocation.BundleDirectory;
        using Serilog.Core.Logger log = ShimLogging.Create(invocation, bundle);
        await using var events = new EventPublisher(Environment.GetEnvironmentVariable(TtrpcAddressVariable), invocation.Namespace, log);
        var pod = new PodSandbox(SandboxFactory.Create, log);
        var service = new TaskService(invocation.Namespace, events, pod, ConfigurationLoader.Resolve, log);
        await using var server = new TtrpcServer(log);
        foreach (string name in TaskServiceBinding.ServiceNames)
        {
            server.AddService(name, builder => TaskServiceBinding.Register(builder, service, log));
        }
        // dup2 cleared close-on-exec on the inherited socket; set it again, or every process we start (the agent,
        // the VMM) would hold the shim's listening socket open, and a dead shim would still look alive to `delete`.
        _ = Interop.Libc.Fcntl(ListenerFd, Interop.Libc.F_SETFD, Interop.Libc.FD_CLOEXEC);
        string? socketPath = null;
        try
        {
            var listener = new Socket(new SafeSocketHandle(ListenerFd, ownsHandle: true));
            socketPath = listener.LocalEndPoint?.ToString();
            server.Serve(listener);
        }
        catch (Exception e) when (e is ArgumentException or SocketException)
        {
            log.Fatal("fd {Fd} is not the listening socket `start` should have passed: {Error}", ListenerFd, e.Message);
            await Console.Error.WriteLineAsync($"containerd-shim-kata-style-v2: fd {ListenerFd} is not a listening socket ({e.Message}); the daemon is started by `start`");
            return 1;
        }
        log.Information("shim daemon {Pid} serving for namespace {Namespace}, bundle {Bundle}", Environment.ProcessId, invocation.Namespace, bundle);

        bool terminated = false;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            terminated = true;
            service.RequestShutdown();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        await service.ShutdownRequested;
        if (terminated)
        {
            log.Information("SIGTERM: stopping the sandbox ({Count} containers left)", service.ContainerCount);
            await service.StopEverythingAsync();
        }
        using (var flush = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await events.FlushAsync(flush.Token);
        }
        using (var drain = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await server.ShutdownAsync(drain.Token);
        }
        // As containerd's runc shim does: the socket file goes with the shim (an abstract name has none).
        if (socketPath is { Length: > 0 } && socketPath[0] == '/' && File.Exists(socketPath))
        {
            File.Delete(socketPath);
        }
        log.Information("shim daemon exiting");
        return 0;
    }
}
