using Kata.Hypervisor.Vmm;
using Serilog.Events;

namespace Kata.Vmm;

/// <summary>The string forms shared by the command line and the JSON config file.</summary>
public static class VmmSettingValues
{
    public const string SerialStdout = "stdout";
    public const string SerialNone = "none";

    public static IReadOnlyList<string> ElfBootModes { get; } = ["pvh", "linux64"];
    public static IReadOnlyList<string> LogLevels { get; } = ["debug", "info", "warning", "error"];

    public static bool IsSerialKeyword(string value) => value is SerialStdout or SerialNone;

    /// <summary><c>stdout</c>, <c>none</c>, or a file path to append the guest's console output to.</summary>
    public static (SerialOutput Output, string? Path) ParseSerial(string value, string setting) => value switch
    {
        SerialStdout => (SerialOutput.Stdout, null),
        SerialNone => (SerialOutput.None, null),
        "" => throw new VmmUsageException($"{setting}: expected stdout, none or a file path, got an empty string"),
        _ => (SerialOutput.File, value),
    };

    public static ElfBootMode ParseElfBoot(string value, string setting) => value.ToLowerInvariant() switch
    {
        "pvh" => ElfBootMode.Pvh,
        "linux64" => ElfBootMode.Linux64,
        _ => throw new VmmUsageException($"{setting}: '{value}' is not an ELF boot mode (expected pvh or linux64)"),
    };

    public static LogEventLevel ParseLogLevel(string value, string setting) => value.ToLowerInvariant() switch
    {
        "debug" => LogEventLevel.Debug,
        "info" => LogEventLevel.Information,
        "warning" => LogEventLevel.Warning,
        "error" => LogEventLevel.Error,
        _ => throw new VmmUsageException($"{setting}: '{value}' is not a log level (expected debug, info, warning or error)"),
    };
}
