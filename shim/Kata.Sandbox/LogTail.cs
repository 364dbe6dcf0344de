namespace Kata.Sandbox;

/// <summary>The end of a log file, for error messages.</summary>
internal static class LogTail
{
    public static string Read(string path, int lines)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            // The last 16 KiB are plenty for 30 lines of console output.
            stream.Seek(Math.Max(0, stream.Length - 16384), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            string[] all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return all.Length == 0 ? "(empty)" : string.Join('\n', all.TakeLast(lines));
        }
        catch (FileNotFoundException)
        {
            return "(no log)";
        }
    }
}
