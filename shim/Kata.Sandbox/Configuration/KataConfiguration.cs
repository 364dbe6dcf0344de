using Kata.Sandbox.RootfsImages;

namespace Kata.Sandbox.Configuration;

/// <summary>
/// The settings of /etc/kata-style/configuration.toml (the shim and the CLI read the same file). Every member has a
/// default, so an absent file means: `vm` sandboxes with the installed guest image.
/// </summary>
public sealed record KataConfiguration
{
    /// <summary>The default location (ARCHITECTURE.md "Names users depend on").</summary>
    public const string DefaultPath = "/etc/kata-style/configuration.toml";
    /// <summary>The environment variable that overrides <see cref="DefaultPath"/>.</summary>
    public const string PathVariable = "KATA_STYLE_CONFIG";

    /// <summary>The file the settings came from; null for the built-in defaults.</summary>
    public string? SourcePath { get; init; }

    // [runtime]
    public SandboxKind Sandbox { get; init; } = SandboxKind.Vm;
    public bool Debug { get; init; }
    /// <summary>Where sandboxes keep their sockets and logs (one directory per sandbox).</summary>
    public string StateDirectory { get; init; } = "/run/kata-style";
    /// <summary>`vm` sandboxes: where the containers' read-only rootfs images are cached (by content key).</summary>
    public string ImageCacheDirectory { get; init; } = RootfsImageBuilder.DefaultCacheDirectory;

    // [hypervisor]
    public CommandPrefix? Vmm { get; init; }
    public string KernelPath { get; init; } = "/usr/local/share/kata-style/vmlinux";
    public string InitrdPath { get; init; } = "/usr/local/share/kata-style/initramfs.cpio.gz";
    public int Vcpus { get; init; } = 1;
    public int MemoryMib { get; init; } = 256;
    public string KernelParams { get; init; } = "";
    /// <summary>The filesystem of the containers' rootfs images (erofs unless configured).</summary>
    public RootfsImageFormat RootfsFormat { get; init; } = RootfsImageFormat.Erofs;

    // [agent]
    public CommandPrefix? Agent { get; init; }
    public TimeSpan AgentTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The state directory of one sandbox.</summary>
    public string SandboxStateDirectory(string sandboxId) => Path.Combine(StateDirectory, "sandboxes", sandboxId);

    /// <summary>The builder of the `vm` sandbox's rootfs images, with this configuration's cache and format.</summary>
    public RootfsImageBuilder CreateRootfsImageBuilder(Serilog.ILogger log) => new(ImageCacheDirectory, RootfsFormat, log);

    /// <summary>The options to start sandbox <paramref name="sandboxId"/> with; executables not configured are looked up.</summary>
    public SandboxOptions ToSandboxOptions(string sandboxId) => new()
    {
        Id = sandboxId,
        StateDirectory = SandboxStateDirectory(sandboxId),
        Kind = Sandbox,
        Agent = Agent ?? ExecutableLocator.Find(ExecutableLocator.AgentName),
        Vmm = Vmm ?? ExecutableLocator.Find(ExecutableLocator.VmmName),
        KernelPath = KernelPath,
        InitrdPath = InitrdPath,
        Vcpus = Vcpus,
        MemoryMib = MemoryMib,
        KernelParams = KernelParams,
        AgentTimeout = AgentTimeout,
        Debug = Debug,
    };
}
