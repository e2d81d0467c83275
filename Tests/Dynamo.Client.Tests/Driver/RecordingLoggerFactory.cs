using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Dynamo.Client.Tests.Driver;

/// <summary>A logger factory (and provider, for a container's logging) that keeps every entry for the test to read.</summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <summary>The entries of one event, by its name.</summary>
    public IReadOnlyList<LogEntry> Named(string eventName) => [.. _entries.Where(entry => entry.EventId.Name == eventName)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            owner._entries.Enqueue(new LogEntry(
                category, logLevel, eventId, formatter(state, exception), fields.ToDictionary(field => field.Key, field => field.Value)));
        }
    }
}

/// <summary>One log entry: its category, level, event, formatted message and structured fields.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> Fields)
{
    public object? this[string field] => Fields.TryGetValue(field, out var value) ? value : null;

    public override string ToString() => $"{Level} {EventId.Name}: {Message}";
}
