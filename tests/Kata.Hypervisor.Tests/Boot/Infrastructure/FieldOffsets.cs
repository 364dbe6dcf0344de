using System.Runtime.CompilerServices;

namespace Kata.Hypervisor.Tests.Boot.Infrastructure;

/// <summary>The byte offset of a field inside a struct instance, as the runtime really lays it out.</summary>
public static class FieldOffsets
{
    public static int Of<TStruct, TField>(ref TStruct instance, ref TField field)
        where TStruct : unmanaged where TField : unmanaged =>
        (int)Unsafe.ByteOffset(ref Unsafe.As<TStruct, byte>(ref instance), ref Unsafe.As<TField, byte>(ref field));
}
