using Serilog;

namespace Kata.Sandbox;

/// <summary>Creates the sandbox of the configured kind.</summary>
public static class SandboxFactory
{
    public static ISandbox Create(SandboxOptions options, ILogger log) => options.Kind switch
    {
        SandboxKind.Vm => new VmSandbox(options, log),
        SandboxKind.Process => new ProcessSandbox(options, log),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "unknown sandbox kind"),
    };
}
