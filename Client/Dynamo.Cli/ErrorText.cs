namespace Dynamo.Cli;

/// <summary>The text of an error as a user of the CLI reads it: the message alone, without .NET's decorations.</summary>
internal static class ErrorText
{
    /// <summary>
    /// The message of <paramref name="error"/> without what <see cref="ArgumentException.Message"/> appends to it:
    /// " (Parameter 'R')" and, for <see cref="ArgumentOutOfRangeException"/>, a line "Actual value was 9.". The
    /// appended text is found by asking the runtime for the message of the same exception with an empty text, so that
    /// it matches whatever wording (and language) the runtime uses.
    /// </summary>
    public static string Of(ArgumentException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var message = error.Message;
        var appended = error switch
        {
            ArgumentOutOfRangeException outOfRange => new ArgumentOutOfRangeException(outOfRange.ParamName, outOfRange.ActualValue, string.Empty).Message,
            _ => new ArgumentException(string.Empty, error.ParamName).Message,
        };
        return appended.Length > 0 && message.Length > appended.Length && message.EndsWith(appended, StringComparison.Ordinal)
            ? message[..^appended.Length]
            : message;
    }
}
