using Kata.Agent.Guest;
using Kata.Agent.Interop;
using Serilog;
using Serilog.Core;

namespace Kata.Agent.Hosting;

/// <summary>The agent's entry point: parse, log, prepare the guest when PID 1, serve until told to stop.</summary>
public static class AgentApplication
{
    public static async Task<int> RunAsync(string[] args)
    {
        bool isPid1 = AgentLibc.GetPid() == 1;
        AgentOptions options;
        try
        {
            options = AgentCommandLine.Parse(args, isPid1);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"kata-style-agent: {e.Message}");
            return 2;
        }
        // In the guest, stdout is the serial console (the kernel's /dev/console): the VMM's --serial shows it.
        await using Logger log = new LoggerConfiguration()
            .MinimumLevel.Is(options.LogLevel)
            .Enrich.WithProperty("component", "agent")
            .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] agent: {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        try
        {
            if (isPid1)
            {
                GuestInit.MountPseudoFilesystems("/", log);
            }
            else if (AgentLibc.Prctl(AgentLibc.PrSetChildSubreaper, 1, 0, 0, 0) != 0)
            {
                // Orphaned container processes must come back to us to be reaped, as they do to PID 1 in the guest.
                log.Warning("PR_SET_CHILD_SUBREAPER failed: orphans of containers will be reaped by the host's init");
            }
            // Both as PID 1 and as the subreaper, orphans of container processes come to us: reap them.
            using var reaper = OrphanReaper.Start(log);
            await using var app = AgentHost.Build(options, log);
            await app.StartAsync();
            log.Information("kata-style-agent {Version} serving on {Listen} (pid {Pid}, {Mode})",
                Services.HealthService.AgentVersion, options.Listen, Environment.ProcessId, isPid1 ? "guest init" : "host process");
            await app.WaitForShutdownAsync();
            log.Information("agent stopped");
            return 0;
        }
        catch (Exception e)
        {
            log.Fatal(e, "agent failed");
            return 1;
        }
        finally
        {
            if (isPid1)
            {
                // PID 1 must never exit (the kernel panics): end the VM instead.
                GuestInit.PowerOff(log);
            }
        }
    }
}
