using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Api;

/// <summary>Result of <c>ping</c>: <c>{"pong":true,"state":"running"}</c>.</summary>
public sealed record PingResult(bool Pong, VmState State);
