using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Dynamo.Bench.Load;

/// <summary>
/// Drives one target: the load phase, and rounds of the workload in closed loop (every client keeps
/// <see cref="LoadOptions.Pipeline"/> operations in flight) or open loop (operations start at fixed intended times,
/// and latency runs from the intended start, so a stall of the target shows in every operation it delayed).
/// </summary>
internal sealed class WorkloadRunner
{
    private readonly ITarget _target;
    private readonly KeySpace _keys;
    private readonly LoadOptions _options;
    private readonly ILoadClock _clock;

    /// <summary>A runner of <paramref name="options"/> against <paramref name="target"/>, whose keys are <paramref name="keys"/>.</summary>
    public WorkloadRunner(ITarget target, KeySpace keys, LoadOptions options, ILoadClock clock)
    {
        _target = target;
        _keys = keys;
        _options = options;
        _clock = clock;
    }

    /// <summary>The recorder of the round in progress, for the progress line; null between rounds.</summary>
    public RoundRecorder? Current { get; private set; }

    /// <summary>Writes records 0 to <see cref="KeySpace.Records"/> − 1 with every client and pipeline slot.</summary>
    public async Task<LoadPhaseResult> LoadAsync(CancellationToken cancellationToken)
    {
        var recorder = new RoundRecorder(_options.Clients, Workload.C);
        var slots = CreateSlots(round: 0);
        var started = Stopwatch.GetTimestamp();
        long next = 0;
        long written = 0;
        await Task.WhenAll(slots.Select(slot => Task.Run(
            async () =>
            {
                long number;
                while ((number = Interlocked.Increment(ref next) - 1) < _keys.Records && !cancellationToken.IsCancellationRequested)
                {
                    KeyFormat.Write(number, slot.Key);
                    var outcome = await RunGuardedAsync(slot, OperationType.Insert, slot.StampValue(), cancellationToken)
                        .ConfigureAwait(false);
                    if (outcome.Status == OperationStatus.Error)
                    {
                        recorder.RecordError(outcome.ErrorKind ?? "error");
                    }
                    else
                    {
                        Interlocked.Increment(ref written);
                    }
                }
            },
            cancellationToken))).ConfigureAwait(false);
        return new LoadPhaseResult(_target.Name, written, Stopwatch.GetElapsedTime(started).TotalSeconds, recorder.Errors());
    }

    /// <summary>Runs one round: warm-up, then the measured period or operation count.</summary>
    public async Task<RoundResult> RunRoundAsync(int round, CancellationToken cancellationToken)
    {
        var recorder = new RoundRecorder(_options.Clients, _options.Workload);
        var slots = CreateSlots(round);
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var wallBefore = Stopwatch.GetTimestamp();
        var round0 = new RoundClock(_clock.NowNanoseconds, _options);
        Current = recorder;
        try
        {
            await Task.WhenAll(slots.Select(slot => Task.Run(
                () => _options.Rate is { } rate
                    ? RunOpenSlotAsync(slot, round0, 1e9 / rate, recorder, cancellationToken)
                    : RunClosedSlotAsync(slot, round0, recorder, cancellationToken),
                cancellationToken))).ConfigureAwait(false);
        }
        finally
        {
            Current = null;
        }

        var wall = Stopwatch.GetElapsedTime(wallBefore).TotalSeconds;
        var cpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds;
        return Summarize(round, recorder, round0, wall > 0 ? cpu / wall : 0);
    }

    private RoundResult Summarize(int round, RoundRecorder recorder, RoundClock clock, double cpuCores)
    {
        var byOperation = new Dictionary<OperationType, OperationFigures>();
        var all = new LatencyHistogram();
        foreach (var type in Workload.OperationTypes)
        {
            if (recorder.Merge(type) is { } histogram)
            {
                byOperation[type] = new OperationFigures(histogram, recorder.NotFound(type));
                all.Add(histogram);
            }
        }

        var last = recorder.LastEnd;
        var seconds = last == long.MinValue ? 0 : Math.Max(last - clock.MeasureStart, 1) / 1e9;
        return new RoundResult(
            _target.Name, round, all.TotalCount, seconds, cpuCores, byOperation, all, recorder.Errors(), recorder.Dropped);
    }

    private async Task RunClosedSlotAsync(Slot slot, RoundClock round, RoundRecorder recorder, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var start = _clock.NowNanoseconds;
            var measured = start >= round.MeasureStart;
            if (measured && !round.TryClaimMeasured(start))
            {
                return;
            }

            await RunOneAsync(slot, start, measured, recorder, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunOpenSlotAsync(
        Slot slot, RoundClock round, double intervalNanoseconds, RoundRecorder recorder, CancellationToken cancellationToken)
    {
        var backlogMaxNanoseconds = LoadLimits.ScheduleBacklogOpsMax * intervalNanoseconds;
        while (!cancellationToken.IsCancellationRequested)
        {
            var intended = round.Start + (long)(round.NextScheduled() * intervalNanoseconds);
            var measured = intended >= round.MeasureStart;
            if (measured && !round.TryClaimMeasured(intended))
            {
                return;
            }

            var now = _clock.NowNanoseconds;
            if (intended > now)
            {
                await _clock.WaitUntilAsync(intended, cancellationToken).ConfigureAwait(false);
            }
            else if (now - intended > backlogMaxNanoseconds)
            {
                if (measured)
                {
                    recorder.RecordDropped();
                }

                continue;
            }

            await RunOneAsync(slot, intended, measured, recorder, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs one operation of the workload's mix; a measured one is recorded with its latency from
    /// <paramref name="start"/> (when it started, or in open loop when it was meant to).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask RunOneAsync(Slot slot, long start, bool measured, RoundRecorder recorder, CancellationToken cancellationToken)
    {
        var type = _options.Workload.Choose(slot.Random);
        var number = type == OperationType.Insert ? _keys.NextInsert() : slot.Keys.Next(_keys.Count);
        KeyFormat.Write(number, slot.Key);
        var value = type == OperationType.Read ? default : slot.StampValue();
        var outcome = await RunGuardedAsync(slot, type, value, cancellationToken).ConfigureAwait(false);
        if (type == OperationType.Insert && outcome.Status == OperationStatus.Ok)
        {
            _keys.Acknowledge(number);
        }

        var end = _clock.NowNanoseconds;
        if (measured)
        {
            recorder.Record(slot.Client, type, outcome, end - start, end);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<OperationOutcome> RunGuardedAsync(
        Slot slot, OperationType type, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        try
        {
            return type switch
            {
                OperationType.Read => await _target.ReadAsync(slot.Client, slot.Key, cancellationToken).ConfigureAwait(false),
                OperationType.ReadModifyWrite =>
                    await _target.ReadModifyWriteAsync(slot.Client, slot.Key, value, cancellationToken).ConfigureAwait(false),
                _ => await _target.UpdateAsync(slot.Client, slot.Key, value, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A target should answer failures as outcomes; one that throws is still measured, as an error of its type.
            return OperationOutcome.Error("exception:" + exception.GetType().Name);
        }
    }

    private Slot[] CreateSlots(int round)
    {
        var slots = new Slot[_options.Clients * _options.Pipeline];
        for (var i = 0; i < slots.Length; i++)
        {
            // One stream per round and slot: rounds differ, yet each is replayable from the seed.
            var random = new SeededRandom(_options.Seed, ((ulong)round << 32) | (uint)i);
            var keys = new KeyChooser(_options.EffectiveDistribution, random, _keys.Records, _keys.InitialZeta);
            slots[i] = new Slot(i / _options.Pipeline, random, keys, _options.ValueSize);
        }

        return slots;
    }

    /// <summary>One operation in flight: its client, its own generator, key chooser and reused buffers.</summary>
    private sealed class Slot
    {
        private readonly byte[] _value;
        private long _writes;

        public Slot(int client, SeededRandom random, KeyChooser keys, int valueSize)
        {
            Client = client;
            Random = random;
            Keys = keys;
            _value = new byte[valueSize];
            random.NextBytes(_value);
        }

        public int Client { get; }

        public SeededRandom Random { get; }

        public KeyChooser Keys { get; }

        public byte[] Key { get; } = new byte[KeyFormat.KeyBytes];

        /// <summary>The value buffer with a new write counter in its first bytes, so successive writes differ.</summary>
        public ReadOnlyMemory<byte> StampValue()
        {
            Span<byte> stamp = stackalloc byte[sizeof(long)];
            BinaryPrimitives.WriteInt64LittleEndian(stamp, ++_writes);
            stamp[..Math.Min(stamp.Length, _value.Length)].CopyTo(_value);
            return _value;
        }
    }

    /// <summary>The phases of one round: warm-up until <see cref="MeasureStart"/>, then the measured part.</summary>
    private sealed class RoundClock
    {
        private readonly long _measureEnd;
        private readonly long _operationsMax;
        private long _measuredClaimed;
        private long _scheduled = -1;

        public RoundClock(long start, LoadOptions options)
        {
            Start = start;
            MeasureStart = start + (long)(options.Warmup.TotalMilliseconds * 1e6);
            _operationsMax = options.Operations ?? long.MaxValue;
            _measureEnd = options.Operations is null ? MeasureStart + (long)(options.Duration.TotalMilliseconds * 1e6) : long.MaxValue;
        }

        public long Start { get; }

        public long MeasureStart { get; }

        /// <summary>Open loop: the index of the next scheduled operation.</summary>
        public long NextScheduled() => Interlocked.Increment(ref _scheduled);

        /// <summary>Whether a measured operation starting (or scheduled) at <paramref name="time"/> is still part of the round.</summary>
        public bool TryClaimMeasured(long time) =>
            time < _measureEnd && (_operationsMax == long.MaxValue || Interlocked.Increment(ref _measuredClaimed) <= _operationsMax);
    }
}
