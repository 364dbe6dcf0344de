using System.Security.Cryptography;

namespace Kata.Sandbox.Tests.Infrastructure;

/// <summary>
/// Every entry of a directory tree as one line (path, type, mode, owner, and contents hash / link target / device
/// number), from `find -printf` so that it is independent of the code under test; two trees are the same when their
/// listings are equal.
/// </summary>
public static class TreeListing
{
    public static IReadOnlyList<string> Of(string root)
    {
        // %P path, %y type, %m octal mode (with setuid/sticky), %U:%G numeric owner, %l symlink target.
        string listing = HostCommand.Run("find", root, "-printf", "%P\t%y\t%m\t%U:%G\t%l\t.\n");
        var lines = new List<string>();
        foreach (string line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = line.Split('\t');
            string path = System.IO.Path.Combine(root, fields[0]);
            string detail = fields[1] switch
            {
                "f" => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))),
                "c" or "b" => HostCommand.Run("stat", "-c", "%t:%T", path),
                _ => fields[4],
            };
            lines.Add(string.Join(' ', fields[0].Length == 0 ? "." : fields[0], fields[1], fields[2], fields[3], detail));
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
