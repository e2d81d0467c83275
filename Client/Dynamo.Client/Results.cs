using System.Text;

namespace Dynamo.Client;

/// <summary>What a get found: the values of the key's siblings and the context to write back with.</summary>
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
        SiblingCount = siblingCount;
        Context = context;
    }

    /// <summary>True when the key has at least one live value.</summary>
    public bool Found => Values.Count > 0;

    /// <summary>
    /// The values of the live siblings, tombstones excluded: one for a key written without conflict, several when
    /// writes were concurrent. Resolve them by putting a merged value with <see cref="Context"/>.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Values { get; }

    /// <summary>How many siblings the key has, tombstones (concurrent deletes) included; 0 when not found.</summary>
    public int SiblingCount { get; }

    /// <summary>True when the key has more than one sibling: concurrent writes the application should resolve.</summary>
    public bool HasSiblings => SiblingCount > 1;

    /// <summary>The causal context of this read, to pass to the next put or delete of the key.</summary>
    public DynamoContext Context { get; }

    /// <summary>The value at <paramref name="index"/> decoded as UTF-8 (invalid bytes become U+FFFD).</summary>
    public string GetString(int index = 0) => Encoding.UTF8.GetString(Values[index].Span);
}

/// <summary>What a put returns.</summary>
public sealed class PutResult
{
    /// <summary>Creates a result (the driver builds these from replies; public for test doubles).</summary>
    public PutResult(DynamoContext? context) => Context = context;

    /// <summary>The new version's context when <see cref="PutOptions.ReturnContext"/> asked for it; otherwise null.</summary>
    public DynamoContext? Context { get; }
}
