using System.Runtime.ExceptionServices;

namespace Kata.Container.Spawn;

/// <summary>
/// Runs work on a fresh OS thread that ends afterwards. Namespace membership (nsproxy) and, after unshare(CLONE_FS),
/// the root and cwd are per thread: a thread that unshares or joins a namespace must not go back to a pool where
/// unrelated work would run inside the container's namespaces.
/// </summary>
internal static class DedicatedThread
{
    public static T Run<T>(string name, Func<T> work)
    {
        T? result = default;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception exception)
            {
                failure = ExceptionDispatchInfo.Capture(exception);
            }
        })
        {
            Name = name,
            IsBackground = true,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result!;
    }
}
