using System.Globalization;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Kata.Sandbox.Configuration;

/// <summary>
/// Reads configuration.toml strictly: TOML syntax errors, unknown tables and keys, wrong value types and values out of
/// range are all refused with "file:line:column: what is wrong", so a typo never silently falls back to a default.
/// Walks Tomlyn's syntax tree (no reflection, NativeAOT-safe) to keep the line of every key.
/// </summary>
public static class ConfigurationLoader
{
    /// <summary>
    /// The configuration in effect: <paramref name="explicitPath"/> (the runtime option ConfigPath, or --config) if
    /// given, else $KATA_STYLE_CONFIG, else /etc/kata-style/configuration.toml; built-in defaults when the default file
    /// does not exist. An explicitly named file that does not exist is an error.
    /// </summary>
    public static KataConfiguration Resolve(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return Load(explicitPath);
        }
        string? fromEnvironment = Environment.GetEnvironmentVariable(KataConfiguration.PathVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return Load(fromEnvironment);
        }
        return File.Exists(KataConfiguration.DefaultPath) ? Load(KataConfiguration.DefaultPath) : new KataConfiguration();
    }

    public static KataConfiguration Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cannot read configuration {path}: {e.Message}", e);
        }
        return Parse(text, path);
    }

    public static KataConfiguration Parse(string text, string path)
    {
        DocumentSyntax document = SyntaxParser.Parse(text, path);
        if (document.HasErrors)
        {
            var errors = document.Diagnostics.Where(d => d.Kind == DiagnosticMessageKind.Error)
                .Select(d => $"{Where(path, d.Span)}: {d.Message}");
            throw new ConfigurationException($"configuration {path} is not valid TOML:\n" + string.Join('\n', errors));
        }
        var configuration = new KataConfiguration { SourcePath = path };
        foreach (KeyValueSyntax item in document.KeyValues)
        {
            throw new ConfigurationException($"{Where(path, item.Span)}: key \"{KeyText(item.Key)}\" must be inside a table ([runtime], [hypervisor] or [agent])");
        }
        foreach (TableSyntaxBase table in document.Tables)
        {
            string tableName = table.Name is null ? "" : KeyText(table.Name);
            if (table is not TableSyntax)
            {
                throw new ConfigurationException($"{Where(path, table.Span)}: [[{tableName}]] arrays of tables are not used by kata-style");
            }
            foreach (KeyValueSyntax item in table.Items)
            {
                var value = new Setting(path, tableName, KeyText(item.Key), item.Value, item.Span);
                configuration = tableName switch
                {
                    "runtime" => ApplyRuntime(configuration, value),
                    "hypervisor" => ApplyHypervisor(configuration, value),
                    "agent" => ApplyAgent(configuration, value),
                    _ => throw new ConfigurationException(
                        $"{Where(path, table.Span)}: unknown table [{tableName}] (expected [runtime], [hypervisor] or [agent])"),
                };
            }
            if (tableName is not ("runtime" or "hypervisor" or "agent"))
            {
                throw new ConfigurationException(
                    $"{Where(path, table.Span)}: unknown table [{tableName}] (expected [runtime], [hypervisor] or [agent])");
            }
        }
        return configuration;
    }

    private static KataConfiguration ApplyRuntime(KataConfiguration c, Setting s) => s.Key switch
    {
        "sandbox" => c with { Sandbox = s.String() switch
        {
            "vm" => SandboxKind.Vm,
            "process" => SandboxKind.Process,
            var other => throw s.Error($"\"{other}\" is not a sandbox kind (expected \"vm\" or \"process\")"),
        } },
        "debug" => c with { Debug = s.Boolean() },
        "state_dir" => c with { StateDirectory = s.AbsolutePath() },
        "image_cache_dir" => c with { ImageCacheDirectory = s.AbsolutePath() },
        _ => throw s.Unknown("sandbox, debug, state_dir, image_cache_dir"),
    };

    private static KataConfiguration ApplyHypervisor(KataConfiguration c, Setting s) => s.Key switch
    {
        "path" => c with { Vmm = CommandPrefix.Of(s.AbsolutePath()) },
        "command" => c with { Vmm = s.Command() },
        "kernel" => c with { KernelPath = s.AbsolutePath() },
        "initrd" => c with { InitrdPath = s.AbsolutePath() },
        "vcpus" => c with { Vcpus = s.Integer(1, 255) },
        "memory_mib" => c with { MemoryMib = s.Integer(64, 1 << 20) },
        "kernel_params" => c with { KernelParams = s.String() },
        "rootfs_format" => c with { RootfsFormat = s.String() switch
        {
            "erofs" => RootfsImages.RootfsImageFormat.Erofs,
            "ext4" => RootfsImages.RootfsImageFormat.Ext4,
            var other => throw s.Error($"\"{other}\" is not a rootfs image format (expected \"erofs\" or \"ext4\")"),
        } },
        _ => throw s.Unknown("path, command, kernel, initrd, vcpus, memory_mib, kernel_params, rootfs_format"),
    };

    private static KataConfiguration ApplyAgent(KataConfiguration c, Setting s) => s.Key switch
    {
        "path" => c with { Agent = CommandPrefix.Of(s.AbsolutePath()) },
        "command" => c with { Agent = s.Command() },
        "timeout_seconds" => c with { AgentTimeout = TimeSpan.FromSeconds(s.Integer(1, 3600)) },
        _ => throw s.Unknown("path, command, timeout_seconds"),
    };

    private static string KeyText(KeySyntax? key) => (key?.ToString() ?? "").Trim().Trim('"');

    /// <summary>"file:line:column" with 1-based numbers, as editors and compilers print them.</summary>
    internal static string Where(string path, SourceSpan span) =>
        $"{path}:{span.Start.Line + 1}:{span.Start.Column + 1}";

    /// <summary>One key = value of a table, with typed accessors that name the key and its line on a mismatch.</summary>
    private sealed record Setting(string Path, string Table, string Key, ValueSyntax? Value, SourceSpan Span)
    {
        public ConfigurationException Error(string problem) =>
            new($"{Where(Path, Span)}: [{Table}] {Key}: {problem}");

        public ConfigurationException Unknown(string known) =>
            new($"{Where(Path, Span)}: unknown key \"{Key}\" in [{Table}] (known: {known})");

        public string String() => Value is StringValueSyntax text
            ? text.Value ?? ""
            : throw Error($"expected a string, got {Describe()}");

        public bool Boolean() => Value is BooleanValueSyntax flag
            ? flag.Value
            : throw Error($"expected true or false, got {Describe()}");

        public int Integer(int min, int max)
        {
            if (Value is not IntegerValueSyntax number)
            {
                throw Error($"expected an integer, got {Describe()}");
            }
            return number.Value >= min && number.Value <= max
                ? (int)number.Value
                : throw Error($"{number.Value.ToString(CultureInfo.InvariantCulture)} is out of range ({min}..{max})");
        }

        public string AbsolutePath()
        {
            string value = String();
            return System.IO.Path.IsPathRooted(value) ? value : throw Error($"\"{value}\" must be an absolute path");
        }

        public CommandPrefix Command()
        {
            if (Value is not ArraySyntax array)
            {
                throw Error($"expected an array of strings (program and leading arguments), got {Describe()}");
            }
            var words = new List<string>();
            foreach (ArrayItemSyntax item in array.Items)
            {
                words.Add(item.Value is StringValueSyntax word ? word.Value ?? "" : throw Error("every element must be a string"));
            }
            if (words.Count == 0 || !System.IO.Path.IsPathRooted(words[0]))
            {
                throw Error("the first element must be the program's absolute path");
            }
            return CommandPrefix.Of([.. words]);
        }

        private string Describe() => Value?.ToString()?.Trim() is { Length: > 0 } text ? text : "nothing";
    }
}
