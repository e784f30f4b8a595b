using System.Globalization;

namespace RtcStack.Turn.Server;

/// <summary>
/// coturn-compatible configuration: <c>--name value</c>, <c>--name=value</c> and coturn's short flags on the
/// command line, and <c>name=value</c> / <c>name value</c> / <c>flag</c> lines in a turnserver.conf given
/// with <c>-c FILE</c> (the command line wins for single values; repeatable options add up). Every option we
/// support maps onto <see cref="TurnOptions"/> or <see cref="HostSettings"/>; anything else is refused by name.
/// </summary>
internal sealed class CoturnArguments
{
    private static readonly Dictionary<char, string> ShortNames = new()
    {
        ['L'] = "listening-ip", ['p'] = "listening-port", ['E'] = "relay-ip", ['X'] = "external-ip",
        ['r'] = "realm", ['u'] = "user", ['a'] = "lt-cred-mech", ['f'] = "fingerprint", ['v'] = "verbose",
        ['l'] = "log-file", ['n'] = "no-config-file", ['m'] = "relay-threads",
    };

    private readonly List<string> _errors = [];
    private readonly HashSet<string> _seenOnCommandLine = [];

    internal TurnOptions Options { get; } = new();

    internal HostSettings Host { get; } = new();

    internal IReadOnlyList<string> Errors => _errors;

    internal bool ShowHelp { get; private set; }

    private bool _useAuthSecret;

    /// <summary>Parses the command line (and the -c file it names).</summary>
    internal static CoturnArguments Parse(IReadOnlyList<string> args)
    {
        var result = new CoturnArguments();
        var pairs = new List<(string Name, string? Value)>();
        string? configFile = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string? name = null;
            string? value = null;
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                name = arg[2..];
                int eq = name.IndexOf('=', StringComparison.Ordinal);
                if (eq >= 0)
                {
                    value = name[(eq + 1)..];
                    name = name[..eq];
                }
            }
            else if (arg.Length == 2 && arg[0] == '-' && (arg[1] == 'c' || ShortNames.ContainsKey(arg[1]) || arg[1] == 'h'))
            {
                name = arg[1] switch { 'c' => "c", 'h' => "help", _ => ShortNames[arg[1]] };
            }
            else
            {
                result._errors.Add($"unexpected argument '{arg}'");
                continue;
            }
            if (value is null && CoturnOptionTable.TakesValue(name) && i + 1 < args.Count
                && !(CoturnOptionTable.ValueOptional(name) && args[i + 1].StartsWith('-')))
            {
                value = args[++i];
            }
            if (name == "c")
            {
                configFile = value;
                continue;
            }
            pairs.Add((name, value));
        }
        if (configFile is not null)
        {
            result.ReadConfigFile(configFile, pairs);
        }
        foreach ((string name, string? value) in pairs)
        {
            result.Apply(name, value, fromFile: false);
        }
        result.Finish();
        return result;
    }

    private void ReadConfigFile(string path, List<(string Name, string? Value)> commandLine)
    {
        if (!File.Exists(path))
        {
            _errors.Add($"config file '{path}' does not exist");
            return;
        }
        var fromFile = new List<(string, string?)>();
        foreach (string raw in File.ReadAllLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            int sep = line.IndexOfAny(['=', ' ', '\t']);
            string name = (sep < 0 ? line : line[..sep]).Trim().TrimStart('-');
            string? value = sep < 0 ? null : line[sep..].TrimStart(' ', '\t', '=').Trim().Trim('"');
            fromFile.Add((name, value));
        }
        // Single-valued options given on the command line override the file.
        var overridden = commandLine.Where(p => !CoturnOptionTable.IsRepeatable(p.Name)).Select(p => p.Name).ToHashSet();
        foreach ((string name, string? value) in fromFile)
        {
            if (!overridden.Contains(name))
            {
                Apply(name, value, fromFile: true);
            }
        }
    }

    private void Apply(string name, string? value, bool fromFile)
    {
        if (name is "help")
        {
            ShowHelp = true;
            return;
        }
        if (!CoturnOptionTable.IsKnown(name))
        {
            _errors.Add($"unsupported option '{name}'{(fromFile ? " (config file)" : string.Empty)}: rtcstack-turn does not implement it; see docs/turn.md");
            return;
        }
        if (CoturnOptionTable.TakesValue(name) && string.IsNullOrEmpty(value) && !CoturnOptionTable.ValueOptional(name))
        {
            _errors.Add($"option '{name}' needs a value");
            return;
        }
        if (!fromFile && !CoturnOptionTable.IsRepeatable(name) && !_seenOnCommandLine.Add(name))
        {
            _errors.Add($"option '{name}' given twice");
            return;
        }
        try
        {
            CoturnOptionTable.Apply(this, name, value);
        }
        catch (FormatException)
        {
            _errors.Add($"option '{name}': '{value}' is not a valid value");
        }
        catch (OverflowException)
        {
            _errors.Add($"option '{name}': '{value}' is out of range");
        }
    }

    internal void AddError(string error) => _errors.Add(error);

    internal void UseAuthSecret() => _useAuthSecret = true;

    internal static int Int(string? value) => int.Parse(value!, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private void Finish()
    {
        if (_useAuthSecret && string.IsNullOrEmpty(Options.StaticAuthSecret))
        {
            _errors.Add("use-auth-secret needs static-auth-secret (a secret in a database, coturn's default, is not supported)");
        }
        if (!_useAuthSecret && !string.IsNullOrEmpty(Options.StaticAuthSecret))
        {
            // coturn ignores the secret without use-auth-secret; we refuse rather than silently ignore.
            _errors.Add("static-auth-secret is set but use-auth-secret is not; add use-auth-secret");
        }
    }
}
