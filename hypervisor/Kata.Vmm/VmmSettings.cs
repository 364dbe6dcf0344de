using Kata.Hypervisor.Vmm;
using Serilog.Events;

namespace Kata.Vmm;

/// <summary>What a valid command line asks for: the VM to build and how much to log.</summary>
public sealed record VmmSettings(VmConfig Config, LogEventLevel LogLevel);
