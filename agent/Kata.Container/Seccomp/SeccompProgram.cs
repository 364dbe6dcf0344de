using Kata.Container.Seccomp.Bpf;

namespace Kata.Container.Seccomp;

/// <summary>
/// A compiled seccomp filter: the classic BPF program, the seccomp(2) flags to load it with, and the syscall names
/// that no covered ABI knows (skipped, as runc skips them). Load it with <see cref="SeccompLoader"/>.
/// </summary>
public sealed record SeccompProgram(BpfInstruction[] Instructions, uint FilterFlags, IReadOnlyList<string> SkippedSyscalls);
