namespace Dynamo.Bench.Load;

/// <summary>
/// <c>dynamo-bench load|run</c>: connects every target, loads the records, runs the rounds
/// interleaved (A B A B …), and prints the report (and writes the JSON report).
/// </summary>
internal sealed class LoadCommand
{
    /// <summary>Exit code of a completed command.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code when a target cannot be reached or the report cannot be written.</summary>
    public const int ExitFailed = 1;

    /// <summary>Exit code of a bad command line.</summary>
    public const int ExitUsage = 2;

    private readonly Func<string, ITarget> _createTarget;
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly ILoadClock _clock;
    private readonly bool _errorIsTerminal;

    /// <summary>A command creating targets with <paramref name="createTarget"/> (e.g. <c>TargetFactory.Create</c>).</summary>
    public LoadCommand(Func<string, ITarget> createTarget, TextWriter output, TextWriter error, ILoadClock clock, bool errorIsTerminal)
    {
        _createTarget = createTarget;
        _output = output;
        _error = error;
        _clock = clock;
        _errorIsTerminal = errorIsTerminal;
    }

    /// <summary>
    /// Runs the <c>load</c> or <c>run</c> command line <paramref name="args"/> (command word first): parses it as
    /// <c>dynamo-bench</c> does, prints help or what is wrong (exit code 2), or runs it. Returns the exit code.
    /// </summary>
    public Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        new BenchCommandLine(RunAsync, runMicro: null).InvokeAsync(args, _output, _error, cancellationToken);

    /// <summary>Runs a parsed command; returns the exit code.</summary>
    public async Task<int> RunAsync(LoadOptions options, CancellationToken cancellationToken)
    {
        var verb = options.Command == LoadCommandKind.Load ? "load" : "run";
        await _error.WriteLineAsync($"dynamo-bench {verb}: seed {options.Seed}").ConfigureAwait(false);
        var targets = new List<ITarget>();
        try
        {
            foreach (var url in options.Targets)
            {
                ITarget target;
                try
                {
                    target = _createTarget(url);
                }
                catch (ArgumentException exception)
                {
                    await _error.WriteLineAsync($"dynamo-bench: --target {url}: {exception.Message}").ConfigureAwait(false);
                    return ExitUsage;
                }

                targets.Add(target);
                await target.ConnectAsync(options.TargetSettings, cancellationToken).ConfigureAwait(false);
            }

            return await RunConnectedAsync(options, targets, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ArgumentException or IOException or System.Net.Sockets.SocketException
            or TimeoutException or InvalidOperationException or NotSupportedException or UnauthorizedAccessException)
        {
            await _error.WriteLineAsync($"dynamo-bench: {exception.Message}").ConfigureAwait(false);
            return ExitFailed;
        }
        finally
        {
            foreach (var target in targets)
            {
                await target.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<int> RunConnectedAsync(LoadOptions options, List<ITarget> targets, CancellationToken cancellationToken)
    {
        var runners = targets.Select(t => new WorkloadRunner(t, new KeySpace(options.Records), options, _clock)).ToArray();
        if (options.Command == LoadCommandKind.Load || !options.NoLoad)
        {
            foreach (var runner in runners)
            {
                var loaded = await runner.LoadAsync(cancellationToken).ConfigureAwait(false);
                var errors = loaded.Errors.Count == 0 ? "no errors" : string.Join(", ", loaded.Errors.Select(e => $"{e.Key} {e.Value}"));
                await _error.WriteLineAsync(
                    $"loaded {loaded.Records:#,0} records into {loaded.Target} in {loaded.Seconds:0.0} s ({errors})").ConfigureAwait(false);
            }
        }

        if (options.Command == LoadCommandKind.Load)
        {
            return ExitOk;
        }

        await _error.WriteLineAsync(LoadReport.Describe(options)).ConfigureAwait(false);
        var rounds = runners.Select(_ => new List<RoundResult>()).ToArray();
        var progress = new ProgressLine(_error, _errorIsTerminal);
        for (var round = 1; round <= options.Rounds; round++)
        {
            for (var t = 0; t < runners.Length; t++)
            {
                using var stopProgress = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var label = $"round {round}/{options.Rounds} {targets[t].Name}";
                var progressTask = progress.RunAsync(label, runners[t], stopProgress.Token);
                try
                {
                    rounds[t].Add(await runners[t].RunRoundAsync(round, cancellationToken).ConfigureAwait(false));
                }
                finally
                {
                    await stopProgress.CancelAsync().ConfigureAwait(false);
                    await progressTask.ConfigureAwait(false);
                }
            }
        }

        var summaries = targets.Select((t, i) => new TargetSummary(t.Name, rounds[i])).ToArray();
        var ratios = TargetRatio.Between(summaries);
        LoadReport.WriteText(_output, options, summaries, ratios);
        if (options.JsonPath is { } path)
        {
            await using var file = File.Create(path);
            LoadReport.WriteJson(file, options, summaries, ratios);
            await _error.WriteLineAsync($"wrote {path}").ConfigureAwait(false);
        }

        return ExitOk;
    }
}
