using System.Globalization;
using System.Net.Sockets;
using Kata.Hypervisor.Api;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Vmm;
using Serilog;
using Serilog.Core;

namespace Kata.Vmm;

/// <summary>
/// Runs one VM for the process's lifetime: build and start it, serve the control API, turn SIGTERM/SIGINT into a
/// shutdown, wait for the end and translate it into the process exit code.
/// </summary>
public static class VmmRunner
{
    private const string OutputTemplate = "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext:l}: {Message:lj}{NewLine}{Exception}";

    public static async Task<int> RunAsync(VmmSettings settings, TextWriter stderr)
    {
        // Logs go to stderr only: stdout carries the guest's serial console.
        await using Logger logger = new LoggerConfiguration()
            .MinimumLevel.Is(settings.LogLevel)
            .Enrich.WithProperty("SourceContext", "kata-style-vmm")
            .WriteTo.Console(
                outputTemplate: OutputTemplate,
                formatProvider: CultureInfo.InvariantCulture,
                standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose)
            .CreateLogger();
        try
        {
            return await RunVmAsync(settings.Config, logger, stderr).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsKnown(ex))
        {
            // Something the user can act on (no /dev/kvm, unreadable kernel, socket in use): one line, no stack trace.
            logger.Debug(ex, "VMM failed");
            await stderr.WriteLineAsync($"kata-style-vmm: error: {OneLine(ex.Message)}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception ex)
        {
            await stderr.WriteLineAsync($"kata-style-vmm: unexpected error: {ex}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private static async Task<int> RunVmAsync(VmConfig config, ILogger logger, TextWriter stderr)
    {
        KvmKind kind = KvmHost.DetectKind();
        if (kind == KvmKind.Pvm)
        {
            logger.Warning("{KvmDescription}", KvmHost.Describe(kind));
        }

        using MicroVm vm = MicroVm.Create(config, logger);
        vm.Start();
        using SignalShutdown signals = SignalShutdown.Register(vm, logger);
        // Declared after the VM, so disposed before it: the server drains (a shutdown response still goes out)
        // and removes its socket file while the VM object is still there.
        await using ControlApiServer? api = config.ApiSocketPath is { } socketPath
            ? new ControlApiServer(socketPath, vm, logger)
            : null;
        if (api is not null)
        {
            try
            {
                api.Start();
            }
            catch
            {
                // The guest is already running: do not leave it behind.
                await vm.ShutdownAsync(TimeSpan.Zero).ConfigureAwait(false);
                throw;
            }
        }

        VmExitStatus status = await vm.Exited.ConfigureAwait(false);
        if (status.ExitCode == ExitCodes.Success)
        {
            logger.Information("VM ended ({Kind}): {Reason}", status.Kind, status.Reason);
        }
        else
        {
            await stderr.WriteLineAsync($"kata-style-vmm: VM failed ({status.Kind}): {status.Reason}").ConfigureAwait(false);
            if (!string.IsNullOrEmpty(status.RegisterDump))
            {
                await stderr.WriteLineAsync(status.RegisterDump.TrimEnd()).ConfigureAwait(false);
            }
        }
        return status.ExitCode;
    }

    /// <summary>
    /// Failures with a message written for the user: every exception the hypervisor library defines (VmConfigException,
    /// KvmUnavailableException, the kernel loader's and the control API's), and host I/O errors.
    /// </summary>
    internal static bool IsKnown(Exception ex) =>
        ex.GetType().Assembly == typeof(VmConfig).Assembly
        || ex is IOException or UnauthorizedAccessException or SocketException;

    internal static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
