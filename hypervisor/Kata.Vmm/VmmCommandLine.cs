using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text;
using Kata.Hypervisor.Devices.Virtio.Block;
using Kata.Hypervisor.Vmm;
using Serilog.Events;

namespace Kata.Vmm;

/// <summary>
/// kata-style-vmm's command line (System.CommandLine) and its merge with <c>--config FILE.json</c>: flags given on
/// the command line override the file, the file overrides the defaults. Parsing never touches KVM, so it is tested
/// on its own (tests/Kata.Hypervisor.Tests/Cli).
/// </summary>
public sealed class VmmCommandLine
{
    /// <summary>sun_path is 108 bytes including the terminating NUL.</summary>
    private const int MaxSocketPathBytes = 107;

    private readonly Option<string> _kernel = new("--kernel")
    {
        Description = "Kernel image: ELF vmlinux (PVH note or 64-bit entry) or bzImage",
        HelpName = "PATH",
    };
    private readonly Option<string> _initrd = new("--initrd") { Description = "Initial ramdisk (initramfs) to load", HelpName = "PATH" };
    private readonly Option<string> _cmdline = new("--cmdline")
    {
        Description = $"Kernel command line [default: {VmConfig.DefaultCmdline}]",
        HelpName = "STR",
    };
    private readonly Option<int> _vcpus = new("--vcpus") { Description = "Number of vCPUs (1..254) [default: 1]", HelpName = "N" };
    private readonly Option<int> _memoryMib = new("--memory-mib")
    {
        Description = $"Guest memory in MiB [default: {VmConfig.DefaultMemoryMib}]",
        HelpName = "N",
    };
    private readonly Option<string> _serial = new("--serial")
    {
        Description = "Guest console (8250 UART) output: stdout, a file to append to, or none [default: stdout]",
        HelpName = "stdout|PATH|none",
    };
    private readonly Option<string> _apiSocket = new("--api-socket")
    {
        Description = "Serve the control API (newline-delimited JSON) on this Unix socket",
        HelpName = "PATH",
    };
    private readonly Option<string> _elfBoot = new("--elf-boot")
    {
        Description = "How to enter an ELF vmlinux: PVH entry or 64-bit Linux boot protocol [default: pvh]",
        HelpName = "pvh|linux64",
    };
    private readonly Option<bool> _rng = new("--rng")
    {
        Description = "Give the guest a virtio-rng device fed from the host's entropy source (urandom)",
    };
    private readonly Option<string[]> _block = new("--block")
    {
        Description = "Attach a raw disk image or block device as a virtio-blk disk (/dev/vda, /dev/vdb, … in order); ',ro' makes it read-only, ',serial=NAME' sets the serial the guest sees in /sys/block/vdX/serial (at most 20 characters). Repeatable",
        HelpName = "PATH[,ro][,serial=NAME]",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };
    private readonly Option<string> _vsockCid = new("--vsock-cid")
    {
        Description = "Give the guest a virtio-vsock device with this context ID (3..4294967294); needs --vsock-uds",
        HelpName = "N",
    };
    private readonly Option<string> _vsockUds = new("--vsock-uds")
    {
        Description = "Hybrid vsock Unix socket: host programs connect and send 'CONNECT <port>\\n'; guest connections to port P go to PATH_P",
        HelpName = "PATH",
    };
    private readonly Option<string> _config = new("--config")
    {
        Description = "Read the settings from a JSON file (flags given on the command line override it)",
        HelpName = "FILE.json",
    };
    private readonly Option<string> _logLevel = new("--log-level")
    {
        Description = "Log verbosity (logs go to stderr; stdout carries only the guest console)",
        HelpName = "debug|info|warning|error",
        DefaultValueFactory = _ => "info",
    };
    private readonly RootCommand _root;

    private VmmCommandLine()
    {
        _vcpus.CustomParser = ParseWholeNumber;
        _memoryMib.CustomParser = ParseWholeNumber;
        AcceptOnly(_elfBoot, VmmSettingValues.ElfBootModes);
        AcceptOnly(_logLevel, VmmSettingValues.LogLevels);
        _root = new RootCommand("kata-style-vmm: boots a Linux kernel in a KVM microVM (see hypervisor/README.md)")
        {
            _kernel, _initrd, _cmdline, _vcpus, _memoryMib, _serial, _apiSocket, _elfBoot, _rng, _config, _logLevel,
        };
        _root.Options.Add(_block);
        _root.Options.Add(_vsockCid);
        _root.Options.Add(_vsockUds);
    }

    /// <summary>Parses <paramref name="args"/>, merges the config file and validates the resulting <see cref="VmConfig"/>.</summary>
    public static VmmCliResult Parse(IReadOnlyList<string> args) => new VmmCommandLine().ParseArgs(args);

    private VmmCliResult ParseArgs(IReadOnlyList<string> args)
    {
        ParseResult parsed = _root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            return new VmmCliResult { Errors = [.. parsed.Errors.Select(e => e.Message)] };
        }
        if (parsed.Action is not null)
        {
            return new VmmCliResult { BuiltInAction = parsed };
        }
        try
        {
            return new VmmCliResult { Settings = BuildSettings(parsed) };
        }
        catch (VmmUsageException ex)
        {
            return new VmmCliResult { Errors = [ex.Message] };
        }
    }

    private VmmSettings BuildSettings(ParseResult parsed)
    {
        string? configPath = Given(parsed, _config);
        VmmConfigFile file = configPath is null ? new VmmConfigFile() : VmmConfigFile.Load(configPath);
        var sources = new SettingSources(parsed, configPath);

        string? kernel = Given(parsed, _kernel) ?? file.Kernel;
        if (string.IsNullOrEmpty(kernel))
        {
            throw new VmmUsageException(configPath is null
                ? "--kernel is required"
                : $"--kernel is required (or \"kernel\" in {configPath})");
        }
        (SerialOutput serial, string? serialPath) = (Given(parsed, _serial) ?? file.Serial) is { } serialValue
            ? VmmSettingValues.ParseSerial(serialValue, sources.Describe(_serial, "serial"))
            : (SerialOutput.Stdout, null);
        ElfBootMode elfBoot = (Given(parsed, _elfBoot) ?? file.ElfBoot) is { } elfBootValue
            ? VmmSettingValues.ParseElfBoot(elfBootValue, sources.Describe(_elfBoot, "elfBoot"))
            : ElfBootMode.Pvh;
        string? apiSocket = Given(parsed, _apiSocket) ?? file.ApiSocket;
        if (apiSocket is not null)
        {
            CheckSocketPath(apiSocket, sources.Describe(_apiSocket, "apiSocket"));
        }

        ulong? vsockCid = (Given(parsed, _vsockCid) ?? file.VsockCid?.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { } cidValue
            ? ParseVsockCid(cidValue, sources.Describe(_vsockCid, "vsockCid"))
            : null;
        var config = new VmConfig
        {
            KernelPath = kernel,
            InitrdPath = Given(parsed, _initrd) ?? file.Initrd,
            Cmdline = Given(parsed, _cmdline) ?? file.Cmdline ?? VmConfig.DefaultCmdline,
            Vcpus = GivenValue(parsed, _vcpus) ?? file.Vcpus ?? 1,
            MemoryMib = GivenValue(parsed, _memoryMib) ?? file.MemoryMib ?? VmConfig.DefaultMemoryMib,
            Serial = serial,
            SerialPath = serialPath,
            ApiSocketPath = apiSocket,
            ElfBoot = elfBoot,
            Rng = parsed.GetResult(_rng) is { Implicit: false } ? parsed.GetValue(_rng) : file.Rng ?? false,
            VsockCid = vsockCid,
            VsockUdsPath = Given(parsed, _vsockUds) ?? file.VsockUds,
            // --block flags replace the file's "block" list as a whole.
            BlockDevices = parsed.GetResult(_block) is { Implicit: false }
                ? [.. (parsed.GetValue(_block) ?? []).Select(ParseBlock)]
                : file.Block ?? [],
        };
        try
        {
            config.Validate();
        }
        catch (VmConfigException ex)
        {
            throw new VmmUsageException(sources.Rephrase(ex.Message), ex);
        }
        LogEventLevel logLevel = VmmSettingValues.ParseLogLevel(parsed.GetValue(_logLevel) ?? "info", "--log-level");
        return new VmmSettings(config, logLevel);
    }

    /// <summary>Like System.CommandLine's int parsing, with an error that names the flag and no CLR type names.</summary>
    private static int ParseWholeNumber(ArgumentResult result)
    {
        string token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (int.TryParse(token, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int value))
        {
            return value;
        }
        result.AddError($"{OptionName(result)}: '{token}' is not a whole number");
        return 0;
    }

    /// <summary>A decimal CID; the range is checked by <see cref="VmConfig.Validate"/>.</summary>
    private static ulong ParseVsockCid(string value, string setting) =>
        ulong.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong cid)
            ? cid
            : throw new VmmUsageException($"{setting}: '{value}' is not a whole number");

    /// <summary>
    /// <c>PATH[,ro|,rw][,serial=NAME]</c>, options in any order: suffixes after the last commas are options only when
    /// they are <c>ro</c>, <c>rw</c> or <c>serial=…</c>, so a path with commas still works.
    /// </summary>
    internal static BlockDeviceConfig ParseBlock(string value)
    {
        string path = value;
        bool? readOnly = null;
        string? serial = null;
        string? firstOption = null;
        while (path.LastIndexOf(',') is var comma and >= 0)
        {
            string suffix = path[(comma + 1)..];
            if (suffix is "ro" or "rw" && readOnly is null)
            {
                readOnly = suffix == "ro";
            }
            else if (suffix.StartsWith("serial=", StringComparison.Ordinal) && serial is null)
            {
                serial = suffix["serial=".Length..];
            }
            else
            {
                break;
            }
            firstOption = suffix;
            path = path[..comma];
        }
        if (path.Length == 0)
        {
            throw firstOption is null
                ? new VmmUsageException("--block: the path is empty")
                : new VmmUsageException($"--block: '{value}' has no path before ',{firstOption}'");
        }
        return new BlockDeviceConfig { Path = path, ReadOnly = readOnly ?? false, Serial = serial };
    }

    private static void AcceptOnly(Option<string> option, IReadOnlyList<string> values)
    {
        option.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is not null && !values.Contains(value, StringComparer.OrdinalIgnoreCase))
            {
                result.AddError($"{option.Name}: '{value}' is not one of {string.Join(", ", values)}");
            }
        });
        option.CompletionSources.Add([.. values]);
    }

    private static string OptionName(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;

    private static void CheckSocketPath(string path, string setting)
    {
        if (path.Length == 0)
        {
            throw new VmmUsageException($"{setting}: the socket path is empty");
        }
        if (Encoding.UTF8.GetByteCount(path) > MaxSocketPathBytes)
        {
            throw new VmmUsageException($"{setting}: {path} is longer than the {MaxSocketPathBytes} bytes a Unix socket path may have");
        }
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new VmmUsageException($"{setting}: directory {directory} does not exist");
        }
    }

    /// <summary>The option's value when it was given on the command line, otherwise null.</summary>
    private static string? Given(ParseResult parsed, Option<string> option) =>
        parsed.GetResult(option) is { Implicit: false } ? parsed.GetValue(option) : null;

    private static int? GivenValue(ParseResult parsed, Option<int> option) =>
        parsed.GetResult(option) is { Implicit: false } ? parsed.GetValue(option) : null;

    /// <summary>Says where a setting came from, so an error names the flag or the config-file property to fix.</summary>
    private sealed class SettingSources(ParseResult parsed, string? configPath)
    {
        /// <summary>VmConfig.Validate's message prefixes → (flag, config-file property).</summary>
        private static readonly Dictionary<string, (string Flag, string Property)> ValidateKeys = new()
        {
            ["kernel"] = ("--kernel", "kernel"),
            ["initrd"] = ("--initrd", "initrd"),
            ["cmdline"] = ("--cmdline", "cmdline"),
            ["vcpus"] = ("--vcpus", "vcpus"),
            ["memory-mib"] = ("--memory-mib", "memoryMib"),
            ["serial"] = ("--serial", "serial"),
            ["block"] = ("--block", "block"),
            ["vsock-cid"] = ("--vsock-cid", "vsockCid"),
            ["vsock-uds"] = ("--vsock-uds", "vsockUds"),
        };

        public string Describe(Option option, string property) =>
            configPath is not null && parsed.GetResult(option) is not { Implicit: false }
                ? $"\"{property}\" in {configPath}"
                : option.Name;

        /// <summary>"vcpus: 0 is out of range" → "--vcpus: 0 is out of range" (or the config-file property).</summary>
        public string Rephrase(string message)
        {
            int colon = message.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && ValidateKeys.TryGetValue(message[..colon], out var names))
            {
                Option? option = parsed.RootCommandResult.Command.Options.FirstOrDefault(o => o.Name == names.Flag);
                string where = option is null ? names.Flag : Describe(option, names.Property);
                return where + message[colon..];
            }
            return $"invalid configuration: {message}";
        }
    }
}
