using System.Globalization;

namespace RtcStack.Net;

/// <summary>The process's open-file soft limit (<c>RLIMIT_NOFILE</c>, <c>ulimit -n</c>), read from <c>/proc/self/limits</c>.</summary>
public static class FileDescriptorLimit
{
    /// <summary>The soft limit, or null when it is unknown (not Linux) or unlimited.</summary>
    public static long? Soft()
    {
        try
        {
            return Parse(File.ReadAllText("/proc/self/limits"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The soft limit in a <c>/proc/&lt;pid&gt;/limits</c> text ("Max open files  1024  4096  files").</summary>
    public static long? Parse(string limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        foreach (string line in limits.Split('\n'))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                continue;
            }
            string[] fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out long soft) && soft > 0
                ? soft
                : null;
        }
        return null;
    }
}
