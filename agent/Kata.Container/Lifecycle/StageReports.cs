using Kata.Container.Interop;
using Kata.Container.Spawn;

namespace Kata.Container.Lifecycle;

/// <summary>Reads the next stage report, taking in a pty master when the stage announces one.</summary>
internal static class StageReports
{
    public static StageReport? Next(SyncChannel channel, int timeoutMilliseconds, Action<FileDescriptor> onConsole)
    {
        while (true)
        {
            var report = channel.Receive(StageJsonContext.Default.StageReport, timeoutMilliseconds);
            if (report?.Kind != StageReportKind.Console)
            {
                return report;
            }
            onConsole(DescriptorPassing.Receive(channel.Descriptor.Fd));
        }
    }
}
