namespace Kata.Shim.Manager;

/// <summary>
/// Parses what containerd's runtime/v2 passes a shim binary: Go `flag` syntax (-name value, -name=value, --name,
/// boolean -debug / -debug=true), followed by the action (`start`, `delete`, or none for the daemon).
/// </summary>
public static class ShimCommandLine
{
    public const string Usage =
        "usage: containerd-shim-kata-style-v2 -namespace NS -id ID -address CONTAINERD_ADDRESS [-publish-binary PATH] [-bundle DIR] [-debug] [start|delete]";

    public static ShimInvocation Parse(IReadOnlyList<string> args)
    {
        var invocation = new ShimInvocation();
        int i = 0;
        for (; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith('-') || arg == "-")
            {
                break;
            }
            if (arg == "--")
            {
                i++;
                break;
            }
            string name = arg.TrimStart('-');
            string? inline = null;
            int equals = name.IndexOf('=');
            if (equals >= 0)
            {
                inline = name[(equals + 1)..];
                name = name[..equals];
            }
            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }
                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"flag -{name} needs a value\n{Usage}");
                }
                return args[++i];
            }
            invocation = name switch
            {
                "namespace" => invocation with { Namespace = Value() },
                "id" => invocation with { Id = Value() },
                "address" => invocation with { ContainerdAddress = Value() },
                "publish-binary" => invocation with { PublishBinary = Value() },
                "bundle" => invocation with { Bundle = Value() },
                "socket" => invocation with { SocketDirectory = Value() },
                "debug" => invocation with { Debug = inline is null || ParseBool(name, inline) },
                "v" or "version" => invocation with { Action = ShimAction.Version },
                _ => throw new FormatException($"unknown flag -{name}\n{Usage}"),
            };
        }
        if (invocation.Action == ShimAction.Version)
        {
            return invocation;
        }
        if (i < args.Count)
        {
            invocation = args[i] switch
            {
                "start" => invocation with { Action = ShimAction.Start },
                "delete" => invocation with { Action = ShimAction.Delete },
                var other => throw new FormatException($"unknown action \"{other}\" (expected start, delete or none)\n{Usage}"),
            };
            if (i + 1 < args.Count)
            {
                throw new FormatException($"unexpected argument \"{args[i + 1]}\" after {args[i]}\n{Usage}");
            }
        }
        if (string.IsNullOrEmpty(invocation.Namespace))
        {
            throw new FormatException($"-namespace is required\n{Usage}");
        }
        if (string.IsNullOrEmpty(invocation.Id))
        {
            throw new FormatException($"-id is required\n{Usage}");
        }
        return invocation;
    }

    private static bool ParseBool(string name, string value) => value switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => throw new FormatException($"flag -{name}: \"{value}\" is not a boolean"),
    };
}
