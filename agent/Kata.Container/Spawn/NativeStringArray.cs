using System.Runtime.InteropServices;
using System.Text;

namespace Kata.Container.Spawn;

/// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings in native memory, as execve(2) and posix_spawn(3)
/// take for argv and envp. Freed on dispose.</summary>
internal sealed unsafe class NativeStringArray : IDisposable
{
    private readonly byte** _array;
    private readonly int _count;

    public NativeStringArray(IReadOnlyList<string> values)
    {
        _count = values.Count;
        _array = (byte**)NativeMemory.AllocZeroed((nuint)(_count + 1), (nuint)sizeof(byte*));
        for (var i = 0; i < _count; i++)
        {
            _array[i] = AllocateUtf8(values[i]);
        }
    }

    public byte** Pointer => _array;

    /// <summary>Allocates a NUL-terminated UTF-8 copy of <paramref name="value"/>; free with NativeMemory.Free.</summary>
    public static byte* AllocateUtf8(string value)
    {
        if (value.Contains('\0'))
        {
            throw new ArgumentException($"'{value.Replace("\0", "\\0")}' contains a NUL character", nameof(value));
        }
        var length = Encoding.UTF8.GetByteCount(value);
        var buffer = (byte*)NativeMemory.Alloc((nuint)length + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(buffer, length));
        buffer[length] = 0;
        return buffer;
    }

    public void Dispose()
    {
        for (var i = 0; i < _count; i++)
        {
            NativeMemory.Free(_array[i]);
        }
        NativeMemory.Free(_array);
    }
}
