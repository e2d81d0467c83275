using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Dynamo.Engine;

/// <summary>
/// Always-on checks of invariants. A failed check is a bug, never an operating error: it throws
/// <see cref="InvariantException"/> naming the condition that did not hold.
/// </summary>
public static class Invariant
{
    /// <summary>Throws <see cref="InvariantException"/> when <paramref name="condition"/> is false.</summary>
    public static void Check(
        [DoesNotReturnIf(false)] bool condition,
        [CallerArgumentExpression(nameof(condition))] string? expression = null)
    {
        if (!condition)
        {
            Fail(expression);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fail(string? expression) =>
        throw new InvariantException($"Invariant failed: {expression}");
}

/// <summary>A broken invariant: a bug in Dynamo, not a condition a caller is expected to handle.</summary>
public sealed class InvariantException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvariantException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public InvariantException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public InvariantException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
