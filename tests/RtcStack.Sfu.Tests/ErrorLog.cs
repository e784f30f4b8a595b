using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RtcStack.Sfu.Tests;

/// <summary>
/// A logger provider that keeps every entry at Warning or above, or carrying an exception, so a test can assert
/// that no receive loop caught an exception (the ICE server logs a handler's exception, event 5201).
/// </summary>
internal sealed class ErrorLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyCollection<string> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public override string ToString() => string.Join(" | ", _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(ErrorLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning || exception is not null)
            {
                owner._entries.Enqueue($"{category} {eventId.Id} {formatter(state, exception)} {exception}");
            }
        }
    }
}
