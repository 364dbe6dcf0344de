using System.Globalization;

namespace Kata.Cli.Hosting;

/// <summary>Signal names and numbers for `kill` (signal(7), x86_64): "KILL", "SIGKILL", "9", "SIGRTMIN+3".</summary>
public static class SignalNames
{
    private static readonly Dictionary<string, int> s_numbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["ILL"] = 4, ["TRAP"] = 5, ["ABRT"] = 6, ["IOT"] = 6, ["BUS"] = 7,
        ["FPE"] = 8, ["KILL"] = 9, ["USR1"] = 10, ["SEGV"] = 11, ["USR2"] = 12, ["PIPE"] = 13, ["ALRM"] = 14,
        ["TERM"] = 15, ["STKFLT"] = 16, ["CHLD"] = 17, ["CONT"] = 18, ["STOP"] = 19, ["TSTP"] = 20, ["TTIN"] = 21,
        ["TTOU"] = 22, ["URG"] = 23, ["XCPU"] = 24, ["XFSZ"] = 25, ["VTALRM"] = 26, ["PROF"] = 27, ["WINCH"] = 28,
        ["IO"] = 29, ["POLL"] = 29, ["PWR"] = 30, ["SYS"] = 31,
    };

    private const int RealtimeMin = 34;
    private const int RealtimeMax = 64;

    public static int Parse(string text)
    {
        string name = text.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? text[3..] : text;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            return number is >= 1 and <= RealtimeMax ? number : throw new CliException($"signal {text}: numbers go from 1 to {RealtimeMax}");
        }
        if (s_numbers.TryGetValue(name, out int known))
        {
            return known;
        }
        if (name.StartsWith("RTMIN", StringComparison.OrdinalIgnoreCase) && RealtimeOffset(name[5..], out int plus) && RealtimeMin + plus <= RealtimeMax)
        {
            return RealtimeMin + plus;
        }
        if (name.StartsWith("RTMAX", StringComparison.OrdinalIgnoreCase) && RealtimeOffset(name[5..], out int minus, negative: true) && RealtimeMax - minus >= RealtimeMin)
        {
            return RealtimeMax - minus;
        }
        throw new CliException($"unknown signal \"{text}\" (use a name such as TERM, SIGKILL, RTMIN+1, or a number 1..{RealtimeMax})");
    }

    private static bool RealtimeOffset(string rest, out int offset, bool negative = false)
    {
        offset = 0;
        if (rest.Length == 0)
        {
            return true;
        }
        char sign = negative ? '-' : '+';
        return rest[0] == sign && int.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out offset);
    }
}
