using System.Runtime.InteropServices;

namespace Kata.Container.Spawn;

/// <summary>A descriptor of ours that the spawned child receives as descriptor <see cref="ChildFd"/>.</summary>
internal readonly record struct ChildFileDescriptor(SafeHandle Source, int ChildFd);
