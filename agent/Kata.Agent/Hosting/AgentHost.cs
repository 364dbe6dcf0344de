using Kata.Agent.Containers;
using Kata.Agent.Services;
using Kata.Container.Lifecycle;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serilog.Extensions.Logging;

namespace Kata.Agent.Hosting;

/// <summary>Builds the agent's Kestrel server: HTTP/2 only (gRPC), on the Unix socket or the vsock port.</summary>
public static class AgentHost
{
    /// <summary>How long a stopping agent waits for requests still in flight before it ends them.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(1);

    public static WebApplication Build(AgentOptions options, Serilog.ILogger log)
    {
        // The empty builder, not the slim one: no configuration sources and above all no content-root file watcher.
        // The slim builder watches the working directory recursively (appsettings reload): inherited from the CLI or
        // shim that started us, that can be a source tree of thousands of directories, and adding one inotify watch
        // per directory delayed the agent's first answer by seconds (bench/results/cli-2026-11-29.md).
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrelCore();
        // The host's default is 30 s of waiting for open requests on SIGTERM; a sandbox being stopped has already had
        // DestroySandbox answered, and what is still open then (an idle HTTP/2 connection, a Wait stream of a
        // container that is gone) must not hold the stop up.
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new SerilogLoggerProvider(log.ForContext("SourceContext", "kestrel")));
        // Kestrel and ASP.NET Core chatter (request start/end) only when the agent runs at Debug or below.
        builder.Logging.SetMinimumLevel(options.LogLevel <= Serilog.Events.LogEventLevel.Debug ? LogLevel.Information : LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (options.Listen.UnixPath is { } path)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                if (File.Exists(path))
                {
                    // A socket left by an agent that died: Kestrel cannot bind over it.
                    File.Delete(path);
                }
                kestrel.ListenUnixSocket(path, listen => listen.Protocols = HttpProtocols.Http2);
            }
            else
            {
                int fd = VsockListenSocket.Open(options.Listen.VsockPort!.Value);
                kestrel.ListenHandle((ulong)fd, listen => listen.Protocols = HttpProtocols.Http2);
            }
        });
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<ErrorMappingInterceptor>();
            grpc.EnableDetailedErrors = true;
            // Stdio chunks and OCI specs; the host side caps its own reads well below this.
            grpc.MaxReceiveMessageSize = 16 << 20;
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(log);
        builder.Services.AddSingleton(_ => new ContainerRegistry(
            new ContainerEngine(new ContainerEngineOptions
            {
                Stage = AgentStageCommand.Resolve(),
                StateRoot = Path.Combine(options.StateDirectory, "engine"),
                // On the guest's initramfs pivot_root(2) fails (EINVAL: the root is rootfs): move + chroot instead.
                NoPivotRoot = options.IsGuestInit,
            }, log),
            options.StateDirectory, log));
        WebApplication app = builder.Build();
        app.MapGrpcService<HealthService>();
        app.MapGrpcService<AgentServiceImpl>();
        return app;
    }
}
