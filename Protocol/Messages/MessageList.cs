using System.Collections.Immutable;

namespace Dynamo.Protocol;

/// <summary>
/// The codec of one element of a <see cref="MessageList{TCodec, TValue, TView}"/>: how a value handed to a message's
/// constructor is seen, checked, measured and written, and how an element is read back from a payload. Its members
/// are internal: the element codecs are this assembly's, and callers only name them as type arguments.
/// </summary>
/// <typeparam name="TValue">What a builder passes: a struct whose byte fields are <see cref="ReadOnlyMemory{T}"/>.</typeparam>
/// <typeparam name="TView">What a reader walks: a value, or a <c>ref struct</c> whose byte fields are payload slices.</typeparam>
public interface IElementCodec<TValue, TView>
    where TView : allows ref struct
{
    /// <summary>The view of a value to encode, so that checking, measuring and writing are written once.</summary>
    internal static abstract TView View(scoped in TValue value);

    /// <summary>
    /// Throws <see cref="ProtocolException"/> when the element breaks a rule of its layout. Both paths apply it: a
    /// constructor to every value, <see cref="MessageList{TCodec, TValue, TView}"/>'s reading to every element read.
    /// </summary>
    internal static abstract void Check(scoped TView element);

    /// <summary>The encoded size of a checked element, in bytes.</summary>
    internal static abstract int Size(scoped TView element);

    /// <summary>Writes a checked element.</summary>
    internal static abstract void Write(ref MessageWriter writer, TView element);

    /// <summary>
    /// Reads one element; its byte fields are slices of the reader's payload. Throws <see cref="ProtocolException"/>
    /// when the payload ends inside it or a length is over its field's limit (checked before anything is sliced), and
    /// for rules that decide how the rest of the element is laid out; <see cref="Check"/> covers the others.
    /// </summary>
    internal static abstract TView Read(scoped ref MessageReader reader);
}

/// <summary>
/// A list inside a message (docs/PROTOCOL.md § Lists): a varint count, then the elements one after another, each as
/// <typeparamref name="TCodec"/> encodes it. A list is built over a span of values (every value checked) or read from a
/// payload (every element checked before the message is returned, so walking it never fails); either way
/// <c>foreach</c> walks it without allocating, and it writes itself back byte for byte.
/// </summary>
/// <typeparam name="TCodec">The element codec.</typeparam>
/// <typeparam name="TValue">The element as a builder passes it.</typeparam>
/// <typeparam name="TView">The element as a reader walks it.</typeparam>
public readonly ref struct MessageList<TCodec, TValue, TView>
    where TCodec : IElementCodec<TValue, TView>
    where TView : allows ref struct
{
    private readonly ReadOnlySpan<TValue> _values;
    private readonly ReadOnlySpan<byte> _encoded;
    private readonly bool _fromPayload;

    /// <summary>A list over checked values whose elements encode in <paramref name="elementsLength"/> bytes.</summary>
    private MessageList(ReadOnlySpan<TValue> values, long elementsLength)
    {
        _values = values;
        Count = values.Length;
        Length = Leb128.Size((uint)values.Length) + elementsLength;
    }

    /// <summary>A list read from a payload: <paramref name="count"/> checked elements, encoded as <paramref name="encoded"/>.</summary>
    private MessageList(ReadOnlySpan<byte> encoded, int count)
    {
        _encoded = encoded;
        _fromPayload = true;
        Count = count;
        Length = Leb128.Size((uint)count) + encoded.Length;
    }

    /// <summary>The number of elements.</summary>
    public int Count { get; }

    /// <summary>The encoded size in bytes: the count and every element.</summary>
    internal long Length { get; }

    /// <summary>Walks the elements in order, without allocating.</summary>
    public Enumerator GetEnumerator() => _fromPayload ? new Enumerator(_encoded, Count) : new Enumerator(_values);

    /// <summary>
    /// Copies every element out of the payload as <typeparamref name="T"/>, for a caller that keeps them after the
    /// payload is gone (it allocates the array; walking with <c>foreach</c> does not).
    /// </summary>
    public ImmutableArray<T> ToImmutableArray<T>(Func<TView, T> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var builder = ImmutableArray.CreateBuilder<T>(Count);
        foreach (var element in this)
        {
            builder.Add(selector(element));
        }

        return builder.MoveToImmutable();
    }

    /// <summary>
    /// A list of <paramref name="values"/>; throws <see cref="ProtocolException"/> (TooLarge) when there are more than
    /// <paramref name="countMax"/>, or when a value breaks a rule of its layout.
    /// </summary>
    internal static MessageList<TCodec, TValue, TView> Of(ReadOnlySpan<TValue> values, int countMax, string countField)
    {
        MessageFields.CheckCount(values.Length, countMax, countField);
        long elementsLength = 0;
        foreach (ref readonly var value in values)
        {
            var element = TCodec.View(value);
            TCodec.Check(element);
            elementsLength += TCodec.Size(element);
        }

        return new MessageList<TCodec, TValue, TView>(values, elementsLength);
    }

    /// <summary>
    /// Reads a list and checks every element; the result holds a slice of the reader's payload. Throws
    /// <see cref="ProtocolException"/> (TooLarge) when the count is over <paramref name="countMax"/>, before any element
    /// is read.
    /// </summary>
    internal static MessageList<TCodec, TValue, TView> Read(scoped ref MessageReader reader, int countMax, string countField)
    {
        var count = reader.ReadCount(countMax, countField);
        var start = reader.Position;
        for (var i = 0; i < count; i++)
        {
            TCodec.Check(TCodec.Read(ref reader));
        }

        return new MessageList<TCodec, TValue, TView>(reader.Between(start, reader.Position), count);
    }

    /// <summary>Writes the count and the elements: a list read from a payload is copied as it came.</summary>
    internal void WriteTo(ref MessageWriter writer)
    {
        writer.WriteVarint((uint)Count);
        if (_fromPayload)
        {
            writer.WriteRaw(_encoded);
            return;
        }

        foreach (ref readonly var value in _values)
        {
            TCodec.Write(ref writer, TCodec.View(value));
        }
    }

    /// <summary>Walks a <see cref="MessageList{TCodec, TValue, TView}"/> without allocating.</summary>
    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<TValue> _values;
        private readonly bool _fromPayload;
        private readonly int _count;
        private MessageReader _reader;
        private int _index;

        internal Enumerator(ReadOnlySpan<TValue> values)
        {
            _values = values;
            _count = values.Length;
            _index = -1;
            Current = default!;
        }

        internal Enumerator(ReadOnlySpan<byte> encoded, int count)
        {
            _reader = new MessageReader(encoded);
            _fromPayload = true;
            _count = count;
            _index = -1;
            Current = default!;
        }

        /// <summary>The element at the current position.</summary>
        public TView Current { get; private set; }

        /// <summary>Moves to the next element.</summary>
        public bool MoveNext()
        {
            if (_index + 1 >= _count)
            {
                _index = _count;
                return false;
            }

            _index++;

            // A list read from a payload had every element read and checked already: this read cannot fail.
            Current = _fromPayload ? TCodec.Read(ref _reader) : TCodec.View(_values[_index]);
            return true;
        }
    }
}
