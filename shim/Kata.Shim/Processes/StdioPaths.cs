namespace Kata.Shim.Processes;

/// <summary>Where a process's stdio goes, as containerd names it (FIFO paths, file:// or binary:// URIs, "" = none).</summary>
public sealed record StdioPaths(string Stdin, string Stdout, string Stderr, bool Terminal);
