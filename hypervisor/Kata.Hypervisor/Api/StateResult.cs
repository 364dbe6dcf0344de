using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Api;

/// <summary>Result of <c>state</c>, <c>pause</c> and <c>resume</c>: <c>{"state":"paused"}</c>.</summary>
public sealed record StateResult(VmState State);
