namespace Kata.Container.Spawn;

/// <summary>Kinds of message a stage sends back to the engine.</summary>
internal enum StageReportKind
{
    /// <summary>process.terminal: the pty master follows as one SCM_RIGHTS byte.</summary>
    Console,

    /// <summary>Init: the environment is set up, before pivot_root; the engine runs the prestart and createRuntime hooks
    /// in the runtime namespace now and answers with a <see cref="StageResume"/> (runtime.md "Lifecycle" steps 3-4).</summary>
    RuntimeHooks,

    /// <summary>Init: everything is set up; waiting for start.</summary>
    Ready,

    /// <summary>About to execve the user process; EOF on the socket (close-on-exec) then means it succeeded.</summary>
    Executing,

    /// <summary>A step failed; the stage exits after sending this.</summary>
    Error,
}
