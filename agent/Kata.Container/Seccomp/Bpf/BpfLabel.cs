namespace Kata.Container.Seccomp.Bpf;

/// <summary>A jump target in a <see cref="BpfAssembler"/> program, placed with <see cref="BpfAssembler.Mark"/>.</summary>
public readonly record struct BpfLabel(int Id);
