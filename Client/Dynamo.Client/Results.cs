using System.Text;

namespace Dynamo.Client;

/// <summary>
/// What a get found: the values of the key's siblings and the context to write back with. When the siblings are too
/// large to travel in one reply (their total passes the object bound), the node sends their sizes instead:
/// <see cref="ValuesOmitted"/> is true, <see cref="Values"/> is empty and <see cref="ValueSizes"/> gives each size,
/// so that the key can still be resolved (write one value with <see cref="Context"/>) or deleted.
/// </summary>
public sealed class GetResult
{
    /// <summary>Creates a result (the driver builds these from replies; public for test doubles).</summary>
    /// <param name="values">The live siblings' values, tombstones excluded.</param>
    /// <param name="siblingCount">How many siblings the reply held, tombstones included.</param>
    /// <param name="context">The context of the read.</param>
    public GetResult(IReadOnlyList<ReadOnlyMemory<byte>> values, int siblingCount, DynamoContext context)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfLessThan(siblingCount, values.Count);
        Values = values;
        ValueSizes = [.. values.Select(value => (long)value.Length)];
        SiblingCount = siblingCount;
        Context = context;
    }

    private GetResult(IReadOnlyList<long> valueSizes, int siblingCount, DynamoContext context)
    {
        Values = [];
        ValueSizes = valueSizes;
        ValuesOmitted = true;
        SiblingCount = siblingCount;
        Context = context;
    }

    /// <summary>True when the key has at least one live value.</summary>
    public bool Found => ValueSizes.Count > 0;

    /// <summary>
    /// The values of the live siblings, tombstones excluded: one for a key written without conflict, several when
    /// writes were concurrent. Resolve them by putting a merged value with <see cref="Context"/>. Empty when
    /// <see cref="ValuesOmitted"/>.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Values { get; }

    /// <summary>The size in bytes of each live sibling's value, in the order of <see cref="Values"/>.</summary>
    public IReadOnlyList<long> ValueSizes { get; }

    /// <summary>
    /// True when the node left the values out because together they pass the object bound (only concurrent writes
    /// merged on different replicas can make such a key). <see cref="ValueSizes"/> and <see cref="Context"/> are
    /// still given: resolve the key by writing one value (or deleting) with the context.
    /// </summary>
    public bool ValuesOmitted { get; }

    /// <summary>How many siblings the key has, tombstones (concurrent deletes) included; 0 when not found.</summary>
    public int SiblingCount { get; }

    /// <summary>True when the key has more than one sibling: concurrent writes the application should resolve.</summary>
    public bool HasSiblings => SiblingCount > 1;

    /// <summary>The causal context of this read, to pass to the next put or delete of the key.</summary>
    public DynamoContext Context { get; }

    /// <summary>A result whose values the node left out (see <see cref="ValuesOmitted"/>); public for test doubles.</summary>
    /// <param name="valueSizes">The size of each live sibling's value.</param>
    /// <param name="siblingCount">How many siblings the reply held, tombstones included.</param>
    /// <param name="context">The context of the read.</param>
    public static GetResult WithValuesOmitted(IReadOnlyList<long> valueSizes, int siblingCount, DynamoContext context)
    {
        ArgumentNullException.ThrowIfNull(valueSizes);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfLessThan(siblingCount, valueSizes.Count);
        return new GetResult(valueSizes, siblingCount, context);
    }

    /// <summary>The value at <paramref name="index"/> decoded as UTF-8 (invalid bytes become U+FFFD).</summary>
    /// <exception cref="InvalidOperationException">The values were omitted (<see cref="ValuesOmitted"/>).</exception>
    public string GetString(int index = 0) => ValuesOmitted
        ? throw new InvalidOperationException("The node omitted the values: they are over the object bound together.")
        : Encoding.UTF8.GetString(Values[index].Span);
}

/// <summary>What a put returns.</summary>
public sealed class PutResult
{
    /// <summary>Creates a result (the driver builds these from replies; public for test doubles).</summary>
    public PutResult(DynamoContext? context) => Context = context;

    /// <summary>The new version's context when <see cref="PutOptions.ReturnContext"/> asked for it; otherwise null.</summary>
    public DynamoContext? Context { get; }
}

/// <summary>What a node's repair (an anti-entropy exchange of each of its partitions with each peer) did.</summary>
public sealed class RepairResult
{
    /// <summary>Creates a result (the driver builds these from replies; public for test doubles).</summary>
    /// <param name="completed">True when every exchange finished before the deadline.</param>
    /// <param name="exchanges">Exchanges completed.</param>
    /// <param name="exchangesFailed">Exchanges skipped or abandoned.</param>
    /// <param name="differences">Keys found to differ.</param>
    /// <param name="keysRepaired">Keys whose copy was updated.</param>
    /// <param name="message">Why something failed, or null.</param>
    public RepairResult(bool completed, int exchanges, int exchangesFailed, long differences, long keysRepaired, string? message)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(exchanges);
        ArgumentOutOfRangeException.ThrowIfNegative(exchangesFailed);
        ArgumentOutOfRangeException.ThrowIfNegative(differences);
        ArgumentOutOfRangeException.ThrowIfNegative(keysRepaired);
        Completed = completed;
        Exchanges = exchanges;
        ExchangesFailed = exchangesFailed;
        Differences = differences;
        KeysRepaired = keysRepaired;
        Message = message;
    }

    /// <summary>True when every exchange finished before the deadline.</summary>
    public bool Completed { get; }

    /// <summary>Exchanges completed (one per partition and peer that shares it).</summary>
    public int Exchanges { get; }

    /// <summary>Exchanges skipped or abandoned: a peer unreachable, the deadline reached.</summary>
    public int ExchangesFailed { get; }

    /// <summary>Keys found to differ between replicas.</summary>
    public long Differences { get; }

    /// <summary>Keys whose copy was updated, on the node or on a peer.</summary>
    public long KeysRepaired { get; }

    /// <summary>A description for the operator (why something failed); null when all went well.</summary>
    public string? Message { get; }
}
