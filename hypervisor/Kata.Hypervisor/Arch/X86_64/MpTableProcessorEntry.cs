using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>Processor entry (Intel MP spec 1.4, §4.3.1, Linux struct mpc_cpu): 20 bytes, one per vCPU.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct MpTableProcessorEntry
{
    /// <summary>CPU flags bit 0: the processor is usable.</summary>
    public const byte FlagEnabled = 0x01;
    /// <summary>CPU flags bit 1: the bootstrap processor.</summary>
    public const byte FlagBootstrap = 0x02;

    public MpTableEntryType EntryType;  // 0x00 0
    public byte LocalApicId;            // 0x01
    public byte LocalApicVersion;       // 0x02
    public byte CpuFlags;               // 0x03
    public uint CpuSignature;           // 0x04 stepping, model, family (CPUID.1:EAX layout)
    public uint FeatureFlags;           // 0x08 CPUID.1:EDX
    public ulong Reserved;              // 0x0c
}
