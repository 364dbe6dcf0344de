using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Boot.Infrastructure;
using Kata.Hypervisor.Tests.Infrastructure;
using Kata.Hypervisor.Vmm;
using Serilog;

namespace Kata.Hypervisor.Tests.Boot;

/// <summary>
/// The real guest kernel from `make guest-kernel`, booted by MicroVm on the real /dev/kvm through each boot path:
/// it must print its banner, exactly our command line and the e820 map we gave it on our UART. On a PVM host the
/// kernel then reaches an instruction PVM cannot emulate, and the VMM must end with an error and the registers
/// instead of hanging; on hardware KVM it runs on, panics for want of a root file system and reboots (panic=1,
/// reboot=k), which ends the VM cleanly.
/// </summary>
public sealed class KernelBootTests : IDisposable
{
    /// <summary>Generous bound for one boot here (CPL0 emulated at ~2 MIPS); a VMM that hangs fails, never blocks the suite.</summary>
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(8);

    private readonly TempDirectory _directory = new();

    public static TheoryData<string, ElfBootMode, string> BootPaths => new()
    {
        { "vmlinux", ElfBootMode.Pvh, "ELF vmlinux (PVH)" },
        { "vmlinux", ElfBootMode.Linux64, "ELF vmlinux (64-bit entry)" },
        { "bzImage", ElfBootMode.Pvh, "bzImage 2." },
    };

    [Theory]
    [MemberData(nameof(BootPaths))]
    public async Task RealKernel_PrintsBannerOurCommandLineAndE820Map_ThenEndsWithAReport(string image, ElfBootMode elfBoot, string description)
    {
        KvmRequirement.EnsureAvailable();
        string kernel = RepositoryRoot.GuestArtifactOrSkip(image);
        string serialLog = Path.Combine(_directory.Path, "serial.log");
        string cmdline = $"console=ttyS0 earlyprintk=serial reboot=k panic=1 kata_style_test={Guid.NewGuid():N}";
        var config = new VmConfig
        {
            KernelPath = kernel,
            Cmdline = cmdline,
            MemoryMib = 256,
            ElfBoot = elfBoot,
            Serial = SerialOutput.File,
            SerialPath = serialLog,
        };
        string[] expectedE820 = ExpectedE820Lines(config.MemoryBytes);
        ILogger logger = TestLogSink.CreateLogger(out TestLogSink logs);

        using (MicroVm vm = MicroVm.Create(config, logger))
        {
            Assert.Contains(logs.Messages, m => m.Contains(description, StringComparison.Ordinal));
            vm.Start();
            bool seen = await WaitForSerial(vm, serialLog, ["Linux version ", $"Command line: {cmdline}\n", .. expectedE820]);
            if (image == "bzImage" && seen)
            {
                // The bzImage path is proven once the kernel has read our zero page; its decompressor ran emulated
                // here, so the rest of the boot would only repeat the vmlinux tests at length.
                await vm.ShutdownAsync(TimeSpan.Zero);
            }
            Task finished = await Task.WhenAny(vm.Exited, Task.Delay(BootTimeout, TestContext.Current.CancellationToken));
            string output = File.ReadAllText(serialLog);
            Assert.True(finished == vm.Exited, $"the VMM neither ended nor reported within {BootTimeout}; serial output:\n{Tail(output)}");
            VmExitStatus status = await vm.Exited;
            // The VM may have printed its last lines just as it ended: judge the complete log.
            seen |= ContainsAll(output, ["Linux version ", $"Command line: {cmdline}\n", .. expectedE820]);
            Assert.True(seen, $"missing banner, command line or e820 lines; VM ended: {status.Reason}; serial output:\n{Tail(output)}");

            if (image != "bzImage")
            {
                if (KvmHost.DetectKind() == KvmKind.Pvm)
                {
                    // Here the kernel stops at an instruction PVM cannot emulate: an error report with registers.
                    Assert.True(status.Kind is VmExitKind.Error or VmExitKind.TripleFault, $"{status.Kind}: {status.Reason}");
                    Assert.Equal(1, status.ExitCode);
                    Assert.Contains("rip=", status.RegisterDump);
                }
                else
                {
                    Assert.Equal(VmExitKind.GuestShutdown, status.Kind);
                }
            }
        }
    }

    /// <summary>Linux prints each e820 entry as "BIOS-e820: [mem 0x%016llx-0x%016llx] type" (arch/x86/kernel/e820.c).</summary>
    private static string[] ExpectedE820Lines(ulong memoryBytes)
    {
        using var memory = new GuestMemory(Layout.RamRanges(memoryBytes));
        return E820Map.ForMemory(memory)
            .Select(e => $"BIOS-e820: [mem 0x{e.Address:x16}-0x{e.End - 1:x16}] {(e.Type == E820Type.Ram ? "usable" : "reserved")}")
            .ToArray();
    }

    /// <summary>Waits until the serial log holds every line, or the VM ends, or the timeout passes.</summary>
    private static async Task<bool> WaitForSerial(MicroVm vm, string path, string[] expected)
    {
        var deadline = DateTime.UtcNow + BootTimeout;
        while (DateTime.UtcNow < deadline)
        {
            bool ended = vm.Exited.IsCompleted;
            string text = File.Exists(path) ? File.ReadAllText(path) : "";
            if (ContainsAll(text, expected))
            {
                return true;
            }
            if (ended)
            {
                return false;
            }
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        return false;
    }

    /// <summary>The 8250 console driver turns "\n" into "\r\n".</summary>
    private static bool ContainsAll(string serialText, string[] lines)
    {
        string text = serialText.Replace("\r\n", "\n", StringComparison.Ordinal);
        return lines.All(line => text.Contains(line, StringComparison.Ordinal));
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];

    public void Dispose() => _directory.Dispose();
}
