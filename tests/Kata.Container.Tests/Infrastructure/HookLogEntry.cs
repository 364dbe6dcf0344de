using Kata.Oci.State;

namespace Kata.Container.Tests.Infrastructure;

/// <summary>One line of a <see cref="HookLog"/>: which hook, the mount namespace it ran in, the state it was given.</summary>
internal sealed record HookLogEntry(string Name, string MountNamespace, ContainerState State);
