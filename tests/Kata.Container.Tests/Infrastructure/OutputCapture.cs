using System.IO.Pipes;
using Kata.Container.Lifecycle;

namespace Kata.Container.Tests.Infrastructure;

/// <summary>Pipes for a container's stdout and stderr, read to the end once every writer (the container) is gone.</summary>
internal sealed class OutputCapture : IDisposable
{
    private readonly AnonymousPipeServerStream _stdout = new(PipeDirection.In, HandleInheritability.None);
    private readonly AnonymousPipeServerStream _stderr = new(PipeDirection.In, HandleInheritability.None);
    private Task<string>? _stdoutText;
    private Task<string>? _stderrText;

    public ContainerStdio Stdio => new(null, _stdout.ClientSafePipeHandle, _stderr.ClientSafePipeHandle);

    /// <summary>Call after the process got its copies: closes ours, so EOF comes when the container's are closed.</summary>
    public void ReleaseWriters()
    {
        _stdout.DisposeLocalCopyOfClientHandle();
        _stderr.DisposeLocalCopyOfClientHandle();
        _stdoutText = new StreamReader(_stdout).ReadToEndAsync();
        _stderrText = new StreamReader(_stderr).ReadToEndAsync();
    }

    public Task<string> Stdout => _stdoutText ?? throw new InvalidOperationException("ReleaseWriters first");

    public Task<string> Stderr => _stderrText ?? throw new InvalidOperationException("ReleaseWriters first");

    public void Dispose()
    {
        _stdout.Dispose();
        _stderr.Dispose();
    }
}
