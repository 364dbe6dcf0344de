namespace Kata.Container.Cgroups;

/// <summary>The freezer state of a cgroup (v1 freezer.state; v2 cgroup.freeze / cgroup.events "frozen").</summary>
public enum FreezerState
{
    Thawed,
    Freezing,
    Frozen,
}
