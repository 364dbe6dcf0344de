using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V1;

/// <summary>The v1 freezer (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst).</summary>
internal sealed class FreezerV1Controller : ICgroupV1Controller
{
    private const string StateFile = "freezer.state";
    private const int Attempts = 2000;

    public string Subsystem => "freezer";

    public bool IsRequested(LinuxResources resources) => false;

    public void Set(string directory, LinuxResources resources)
    {
    }

    /// <summary>
    /// Writes FROZEN and waits until freezer.state reads FROZEN; a task forking while being frozen can leave the
    /// cgroup in FREEZING, so the write is repeated now and then (as runc's fs/freezer.go does).
    /// </summary>
    public static void Freeze(string directory)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            if (attempt % 50 == 0)
            {
                CgroupFiles.Write(directory, StateFile, "FROZEN");
            }
            if (ReadState(directory) == FreezerState.Frozen)
            {
                return;
            }
            Thread.Sleep(1);
        }
        CgroupFiles.Write(directory, StateFile, "THAWED");
        throw new CgroupException($"{Path.Combine(directory, StateFile)} did not reach FROZEN; thawed again", directory);
    }

    public static void Thaw(string directory) => CgroupFiles.Write(directory, StateFile, "THAWED");

    public static FreezerState ReadState(string directory)
    {
        var text = CgroupFiles.Read(directory, StateFile).Trim();
        return text switch
        {
            "THAWED" => FreezerState.Thawed,
            "FREEZING" => FreezerState.Freezing,
            "FROZEN" => FreezerState.Frozen,
            _ => throw new CgroupException($"{Path.Combine(directory, StateFile)}: unexpected state '{text}'", directory),
        };
    }
}
