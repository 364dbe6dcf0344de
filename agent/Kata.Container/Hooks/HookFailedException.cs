namespace Kata.Container.Hooks;

/// <summary>A lifecycle hook could not be started, failed, or ran past its timeout. The message names the hook as
/// <c>hooks.&lt;phase&gt;[&lt;index&gt;] (&lt;path&gt;)</c>, says what happened and ends with the tail of its output.</summary>
public sealed class HookFailedException : ContainerException
{
    public HookFailedException(string message) : base(message)
    {
    }

    public HookFailedException(string message, Exception inner) : base(message, inner)
    {
    }
}
