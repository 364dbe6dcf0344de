using Iced.Intel;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>Assembles a tiny guest program with Iced for the address it will run at.</summary>
public static class TinyGuestAssembler
{
    /// <param name="bitness">16, 32 or 64.</param>
    /// <param name="origin">The instruction pointer of the first byte (in real mode: the IP, not the linear address).</param>
    /// <param name="program">Emits the instructions.</param>
    public static byte[] Assemble(int bitness, ulong origin, Action<Assembler> program)
    {
        var assembler = new Assembler(bitness);
        program(assembler);
        var writer = new TinyGuestCodeWriter();
        assembler.Assemble(writer, origin);
        return writer.ToArray();
    }
}
