namespace Dynamo.Client.Tests.Cli;

/// <summary>A string reader that completes <see cref="Ended"/> once the pipe has read all of it.</summary>
internal sealed class EndSignallingReader(string text) : StringReader(text)
{
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Ended => _ended.Task;

    public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = await base.ReadLineAsync(cancellationToken);
        if (line is null)
        {
            _ended.TrySetResult();
        }

        return line;
    }

    public override async ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
    {
        var read = await base.ReadAsync(buffer, cancellationToken);
        if (read == 0)
        {
            _ended.TrySetResult();
        }

        return read;
    }
}
