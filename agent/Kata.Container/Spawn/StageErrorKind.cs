namespace Kata.Container.Spawn;

/// <summary>The kind of a stage failure, mapped back to an exception type by the engine.</summary>
internal enum StageErrorKind
{
    Other,
    Config,
    NotSupported,
    Syscall,
    Hook,
}
