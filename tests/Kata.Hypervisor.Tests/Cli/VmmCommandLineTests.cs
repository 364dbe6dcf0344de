using Kata.Hypervisor.Vmm;
using Kata.Vmm;
using Serilog.Events;

namespace Kata.Hypervisor.Tests.Cli;

/// <summary>kata-style-vmm's flags and JSON config → <see cref="VmConfig"/>, and the usage errors (exit code 2).</summary>
public sealed class VmmCommandLineTests : IDisposable
{
    private readonly CliTempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void KernelOnly_GivesDefaults()
    {
        VmmSettings settings = ParseOk("--kernel", _files.Kernel);
        Assert.Equal(new VmConfig { KernelPath = _files.Kernel }, settings.Config);
        Assert.Equal(VmConfig.DefaultCmdline, settings.Config.Cmdline);
        Assert.Equal(1, settings.Config.Vcpus);
        Assert.Equal(VmConfig.DefaultMemoryMib, settings.Config.MemoryMib);
        Assert.Equal(SerialOutput.Stdout, settings.Config.Serial);
        Assert.Null(settings.Config.ApiSocketPath);
        Assert.Equal(ElfBootMode.Pvh, settings.Config.ElfBoot);
        Assert.Equal(LogEventLevel.Information, settings.LogLevel);
    }

    [Fact]
    public void EveryFlag_MapsToVmConfig()
    {
        string socket = Path.Combine(_files.Dir, "vmm.sock");
        string serialLog = Path.Combine(_files.Dir, "serial.log");
        VmmSettings settings = ParseOk(
            "--kernel", _files.Kernel,
            "--initrd", _files.Initrd,
            "--cmdline", "console=ttyS0 quiet",
            "--vcpus", "2",
            "--memory-mib", "512",
            "--serial", serialLog,
            "--api-socket", socket,
            "--elf-boot", "linux64",
            "--log-level", "debug");
        Assert.Equal(new VmConfig
        {
            KernelPath = _files.Kernel,
            InitrdPath = _files.Initrd,
            Cmdline = "console=ttyS0 quiet",
            Vcpus = 2,
            MemoryMib = 512,
            Serial = SerialOutput.File,
            SerialPath = serialLog,
            ApiSocketPath = socket,
            ElfBoot = ElfBootMode.Linux64,
        }, settings.Config);
        Assert.Equal(LogEventLevel.Debug, settings.LogLevel);
    }

    [Theory]
    [InlineData("stdout", SerialOutput.Stdout)]
    [InlineData("none", SerialOutput.None)]
    public void Serial_Keywords(string value, SerialOutput expected)
    {
        VmmSettings settings = ParseOk("--kernel", _files.Kernel, "--serial", value);
        Assert.Equal(expected, settings.Config.Serial);
        Assert.Null(settings.Config.SerialPath);
    }

    [Theory]
    [InlineData("debug", LogEventLevel.Debug)]
    [InlineData("info", LogEventLevel.Information)]
    [InlineData("warning", LogEventLevel.Warning)]
    [InlineData("error", LogEventLevel.Error)]
    public void LogLevels(string value, LogEventLevel expected) =>
        Assert.Equal(expected, ParseOk("--kernel", _files.Kernel, "--log-level", value).LogLevel);

    [Fact]
    public void JsonConfig_EveryProperty_RelativePathsFromTheFilesDirectory()
    {
        Directory.CreateDirectory(Path.Combine(_files.Dir, "boot"));
        File.Copy(_files.Kernel, Path.Combine(_files.Dir, "boot", "vmlinux"));
        string config = _files.Write("vm.json", """
            {
              // comments and trailing commas are allowed
              "kernel": "boot/vmlinux",
              "initrd": "initramfs.cpio.gz",
              "cmdline": "console=ttyS0 panic=1",
              "vcpus": 2,
              "memoryMib": 128,
              "serial": "serial.log",
              "apiSocket": "vmm.sock",
              "elfBoot": "linux64",
            }
            """);
        VmmSettings settings = ParseOk("--config", config);
        Assert.Equal(new VmConfig
        {
            KernelPath = Path.Combine(_files.Dir, "boot", "vmlinux"),
            InitrdPath = _files.Initrd,
            Cmdline = "console=ttyS0 panic=1",
            Vcpus = 2,
            MemoryMib = 128,
            Serial = SerialOutput.File,
            SerialPath = Path.Combine(_files.Dir, "serial.log"),
            ApiSocketPath = Path.Combine(_files.Dir, "vmm.sock"),
            ElfBoot = ElfBootMode.Linux64,
        }, settings.Config);
    }

    [Fact]
    public void JsonConfig_CommandLineOverridesTheFile()
    {
        string config = _files.Write("vm.json", $$"""
            {"kernel": "{{_files.Kernel}}", "vcpus": 2, "memoryMib": 128, "serial": "none", "cmdline": "from-file"}
            """);
        VmmSettings settings = ParseOk("--config", config, "--vcpus", "4", "--serial", "stdout");
        Assert.Equal(4, settings.Config.Vcpus);
        Assert.Equal(SerialOutput.Stdout, settings.Config.Serial);
        Assert.Equal(128, settings.Config.MemoryMib);
        Assert.Equal("from-file", settings.Config.Cmdline);
    }

    [Fact]
    public void JsonConfig_KernelFromCommandLine_FileWithoutKernel()
    {
        string config = _files.Write("vm.json", """{"memoryMib": 64}""");
        VmmSettings settings = ParseOk("--config", config, "--kernel", _files.Kernel);
        Assert.Equal(_files.Kernel, settings.Config.KernelPath);
        Assert.Equal(64, settings.Config.MemoryMib);
    }

    [Fact]
    public void VcpusZero_IsUsageErrorNamingTheFlag() =>
        AssertUsageError(["--kernel", _files.Kernel, "--vcpus", "0"], "--vcpus: 0 is out of range (1..254)");

    [Fact]
    public void MemoryTooSmall_IsUsageErrorNamingTheFlag() =>
        AssertUsageError(["--kernel", _files.Kernel, "--memory-mib", "8"], "--memory-mib: 8 MiB is out of range");

    [Fact]
    public void MissingKernelFile_IsUsageErrorNamingTheFlag()
    {
        string missing = Path.Combine(_files.Dir, "no-such-vmlinux");
        AssertUsageError(["--kernel", missing], $"--kernel: {missing} does not exist");
    }

    [Fact]
    public void MissingInitrdFile_IsUsageErrorNamingTheFlag() =>
        AssertUsageError(["--kernel", _files.Kernel, "--initrd", "/nonexistent/initrd"], "--initrd: /nonexistent/initrd does not exist");

    [Fact]
    public void NoKernelAtAll_IsUsageError() => AssertUsageError([], "--kernel is required");

    [Theory]
    [InlineData("--vcpus", "two", "--vcpus: 'two' is not a whole number")]
    [InlineData("--memory-mib", "1.5", "--memory-mib: '1.5' is not a whole number")]
    [InlineData("--elf-boot", "multiboot", "--elf-boot: 'multiboot' is not one of pvh, linux64")]
    [InlineData("--log-level", "trace", "--log-level: 'trace' is not one of debug, info, warning, error")]
    [InlineData("--serial", "", "--serial: expected stdout, none or a file path")]
    public void BadFlagValue_IsUsageErrorNamingTheFlag(string flag, string value, string message) =>
        AssertUsageError(["--kernel", _files.Kernel, flag, value], message);

    [Fact]
    public void UnknownFlag_IsUsageError() =>
        AssertUsageError(["--kernel", _files.Kernel, "--memory", "256"], "--memory");

    [Fact]
    public void ApiSocketTooLong_IsUsageError() =>
        AssertUsageError(["--kernel", _files.Kernel, "--api-socket", "/tmp/" + new string('s', 120) + ".sock"], "--api-socket: ");

    [Fact]
    public void ApiSocketInMissingDirectory_IsUsageError() =>
        AssertUsageError(["--kernel", _files.Kernel, "--api-socket", "/nonexistent-dir/vmm.sock"], "--api-socket: directory /nonexistent-dir does not exist");

    [Fact]
    public void JsonConfig_BadValue_NamesThePropertyAndTheFile()
    {
        string config = _files.Write("vm.json", $$"""{"kernel": "{{_files.Kernel}}", "vcpus": 0}""");
        AssertUsageError(["--config", config], $"\"vcpus\" in {config}: 0 is out of range");
    }

    [Fact]
    public void JsonConfig_BadValueOverriddenOnTheCommandLine_IsFine()
    {
        string config = _files.Write("vm.json", $$"""{"kernel": "{{_files.Kernel}}", "vcpus": 0}""");
        Assert.Equal(3, ParseOk("--config", config, "--vcpus", "3").Config.Vcpus);
    }

    [Fact]
    public void JsonConfig_UnknownProperty_IsUsageError()
    {
        string config = _files.Write("vm.json", $$"""{"kernel": "{{_files.Kernel}}", "memoryMB": 512}""");
        AssertUsageError(["--config", config], "memoryMB");
    }

    [Fact]
    public void JsonConfig_WrongType_IsUsageError()
    {
        string config = _files.Write("vm.json", $$"""{"kernel": "{{_files.Kernel}}", "vcpus": "two"}""");
        AssertUsageError(["--config", config], $"--config: {config}: ");
    }

    [Fact]
    public void JsonConfig_Malformed_IsUsageError()
    {
        string config = _files.Write("vm.json", "{\"kernel\": ");
        AssertUsageError(["--config", config], $"--config: {config}: ");
    }

    [Fact]
    public void JsonConfig_MissingFile_IsUsageError()
    {
        string config = Path.Combine(_files.Dir, "absent.json");
        AssertUsageError(["--config", config], $"--config: cannot read {config}");
    }

    [Fact]
    public void JsonConfig_BadElfBoot_NamesTheProperty()
    {
        string config = _files.Write("vm.json", $$"""{"kernel": "{{_files.Kernel}}", "elfBoot": "efi"}""");
        AssertUsageError(["--config", config], $"\"elfBoot\" in {config}: 'efi' is not an ELF boot mode");
    }

    [Fact]
    public void Help_IsABuiltInAction()
    {
        VmmCliResult result = VmmCommandLine.Parse(["--help"]);
        Assert.NotNull(result.BuiltInAction);
        Assert.Null(result.Settings);
        Assert.Null(result.ExitCode);
    }

    private static VmmSettings ParseOk(params string[] args)
    {
        VmmCliResult result = VmmCommandLine.Parse(args);
        Assert.Empty(result.Errors);
        Assert.Null(result.ExitCode);
        return Assert.IsType<VmmSettings>(result.Settings);
    }

    private static void AssertUsageError(string[] args, string expectedFragment)
    {
        VmmCliResult result = VmmCommandLine.Parse(args);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Null(result.Settings);
        Assert.Contains(result.Errors, e => e.Contains(expectedFragment, StringComparison.Ordinal));
    }
}
