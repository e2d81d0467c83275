using System.Diagnostics.CodeAnalysis;

namespace Dynamo.Engine;

/// <summary>
/// The name of a node (a server), as given to <c>dynamo-server --node</c>: 1 to <see cref="Limits.NodeIdBytesMax"/>
/// ASCII letters, digits, '.', '_' or '-'. Node ids compare ordinally, so every node orders members the same way.
/// </summary>
public readonly struct NodeId : IEquatable<NodeId>, IComparable<NodeId>
{
    private readonly string? _value;

    private NodeId(string value) => _value = value;

    /// <summary>The node's name.</summary>
    public string Value => _value ?? throw new InvalidOperationException("NodeId is default (unset).");

    /// <summary>True when this is the default value, which names no node.</summary>
    public bool IsDefault => _value is null;

    /// <summary>Parses a node id, throwing <see cref="ArgumentException"/> with the reason when it is not valid.</summary>
    public static NodeId Parse(string value)
    {
        if (!TryParse(value, out var id, out var error))
        {
            throw new ArgumentException(error, nameof(value));
        }

        return id;
    }

    /// <summary>Parses a node id without throwing.</summary>
    public static bool TryParse(string? value, out NodeId id) => TryParse(value, out id, out _);

    /// <summary>Parses a node id; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string? value, out NodeId id, [NotNullWhen(false)] out string? error)
    {
        id = default;
        if (string.IsNullOrEmpty(value))
        {
            error = "A node id must not be empty.";
            return false;
        }

        if (value.Length > Limits.NodeIdBytesMax)
        {
            error = $"A node id is at most {Limits.NodeIdBytesMax} characters; '{value[..16]}...' has {value.Length}.";
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                error = $"A node id may hold only ASCII letters, digits, '.', '_' and '-'; '{value}' has '{c}'.";
                return false;
            }
        }

        id = new NodeId(value);
        error = null;
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(NodeId other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NodeId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    /// <inheritdoc/>
    public int CompareTo(NodeId other) => string.CompareOrdinal(_value, other._value);

    /// <inheritdoc/>
    public override string ToString() => _value ?? "(none)";

    /// <summary>Equality.</summary>
    public static bool operator ==(NodeId left, NodeId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(NodeId left, NodeId right) => !left.Equals(right);

    /// <summary>Ordinal order.</summary>
    public static bool operator <(NodeId left, NodeId right) => left.CompareTo(right) < 0;

    /// <summary>Ordinal order.</summary>
    public static bool operator >(NodeId left, NodeId right) => left.CompareTo(right) > 0;

    /// <summary>Ordinal order.</summary>
    public static bool operator <=(NodeId left, NodeId right) => left.CompareTo(right) <= 0;

    /// <summary>Ordinal order.</summary>
    public static bool operator >=(NodeId left, NodeId right) => left.CompareTo(right) >= 0;
}
