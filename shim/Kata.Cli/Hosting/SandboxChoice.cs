using Kata.Sandbox;

namespace Kata.Cli.Hosting;

/// <summary>The sandbox kind in effect and why (printed by `--sandbox auto` and `env`).</summary>
public sealed record SandboxChoice(SandboxKind Kind, string Reason);
