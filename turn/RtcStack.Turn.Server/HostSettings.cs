namespace RtcStack.Turn.Server;

/// <summary>Process-level settings of rtcstack-turn that are not TURN options (logging, metrics endpoint, pid file).</summary>
internal sealed class HostSettings
{
    /// <summary>Serve Prometheus /metrics (coturn <c>prometheus</c>). Default off.</summary>
    public bool Prometheus { get; set; }

    /// <summary>Port of /metrics (coturn <c>prometheus-port</c>). Default 9641.</summary>
    public int PrometheusPort { get; set; } = 9641;

    /// <summary>Address /metrics listens on (coturn <c>prometheus-address</c>). Default 127.0.0.1.</summary>
    public string PrometheusAddress { get; set; } = "127.0.0.1";

    /// <summary>Log file (coturn <c>log-file</c>); "stdout" or none means the console only.</summary>
    public string? LogFile { get; set; }

    /// <summary>Turn off console logging (coturn <c>no-stdout-log</c>).</summary>
    public bool NoStdoutLog { get; set; }

    /// <summary>Debug-level logs (coturn <c>verbose</c> / <c>-v</c>).</summary>
    public bool Verbose { get; set; }

    /// <summary>File the process id is written to (coturn <c>pidfile</c>).</summary>
    public string? PidFile { get; set; }

    /// <summary>
    /// Options of the web host (it serves only /metrics; settings come from coturn options, never appsettings files).
    /// The content root is the application's directory, not the working directory, and configuration files are not
    /// watched: a file watcher on a busy working directory cost 6.6 % of the server's CPU (bench/turn README, run 30).
    /// The TLS certificate has its own watcher (CertificateSource).
    /// </summary>
    public static WebApplicationOptions WebHostOptions() => new()
    {
        ContentRootPath = AppContext.BaseDirectory,
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
    };
}
