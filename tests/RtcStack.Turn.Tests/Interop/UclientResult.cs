using System.Globalization;
using System.Text.RegularExpressions;

namespace RtcStack.Turn.Tests.Interop;

/// <summary>The end-of-run figures turnutils_uclient prints.</summary>
internal sealed partial record UclientResult(int Lost, int SendDropped, bool Found)
{
    internal static UclientResult Parse(string output)
    {
        Match m = LostLine().Match(output);
        return m.Success
            ? new UclientResult(
                int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                true)
            : new UclientResult(-1, -1, false);
    }

    [GeneratedRegex(@"Total lost packets (\d+) \([^)]*\), total send dropped (\d+)")]
    private static partial Regex LostLine();
}
