using System.Text;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Vmm;
using Microsoft.Win32.SafeHandles;

namespace Kata.Hypervisor.Boot;

/// <summary>
/// Loads a Linux kernel image into guest memory, recognising the format by its content: an ELF64 x86_64 vmlinux
/// (<see cref="ElfKernelLoader"/>) or a bzImage (<see cref="BzImageLoader"/>).
/// </summary>
public static class KernelLoader
{
    /// <summary>Enough of the file to recognise it and to hold a bzImage's setup header (which ends before 0x290).</summary>
    private const int PrefixBytes = 1024;

    /// <summary>
    /// Loads <paramref name="path"/>. For an ELF vmlinux, <paramref name="elfMode"/> picks the entry; when it asks
    /// for PVH and the kernel has no PVH note, the 64-bit entry is used instead and the returned
    /// <see cref="KernelImage.Protocol"/> and <see cref="KernelImage.Description"/> say so. A bzImage always uses
    /// the 64-bit boot protocol. Throws <see cref="KernelLoadException"/> for anything that cannot be booted.
    /// </summary>
    public static KernelImage Load(GuestMemory memory, string path, ElfBootMode elfMode)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(path);
        using SafeFileHandle file = Open(path, "kernel");
        long fileLength = RandomAccess.GetLength(file);
        var prefix = new byte[Math.Min(PrefixBytes, fileLength)];
        int read = GuestRam.ReadPrefix(file, 0, prefix);
        ReadOnlySpan<byte> head = prefix.AsSpan(0, read);

        if (Elf64Header.HasMagic(head))
        {
            return ElfKernelLoader.Load(memory, path, file, fileLength, head, elfMode);
        }
        if (BzImageLoader.HasMagic(head))
        {
            return BzImageLoader.Load(memory, path, file, fileLength, head);
        }
        throw new KernelLoadException(
            $"{path} is not a Linux kernel: neither an ELF vmlinux nor a bzImage ({DescribeStart(head)})");
    }

    /// <summary>Opens an image for reading, turning "not found" and permission problems into a clear error.</summary>
    internal static SafeFileHandle Open(string path, string what)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException
            or NotSupportedException)
        {
            throw new KernelLoadException($"cannot open {what} {path}: {e.Message}", e);
        }
    }

    /// <summary>"first bytes 23 21 2f 62 69 6e 2f 73 "#!/bin/s"" for the error message, or "the file is empty".</summary>
    internal static string DescribeStart(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty)
        {
            return "the file is empty";
        }
        ReadOnlySpan<byte> first = head[..Math.Min(head.Length, 8)];
        var text = new StringBuilder("first bytes ");
        text.AppendJoin(' ', first.ToArray().Select(b => b.ToString("x2")));
        bool printable = true;
        foreach (byte b in first)
        {
            printable &= b >= 0x20 && b < 0x7f;
        }
        if (printable)
        {
            text.Append(" \"").Append(Encoding.ASCII.GetString(first)).Append('"');
        }
        return text.ToString();
    }
}
