using System.Globalization;
using System.Text;
using Dynamo.Engine;
using Dynamo.Protocol;

namespace Dynamo.Client;

/// <summary>Checks of locally invalid input, raised as <see cref="ArgumentException"/> before anything is sent.</summary>
internal static class RequestChecks
{
    public static void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length > ProtocolLimits.KeyBytesMax)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"A key is at most {ProtocolLimits.KeyBytesMax} bytes; this one has {key.Length}."),
                nameof(key));
        }
    }

    public static void CheckValue(ReadOnlySpan<byte> value)
    {
        if (value.Length > ProtocolLimits.ValueBytesMax)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"A value is at most {ProtocolLimits.ValueBytesMax} bytes; this one has {value.Length}."),
                nameof(value));
        }
    }

    public static byte[] CheckBucket(string bucket)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        var bytes = Encoding.UTF8.GetBytes(bucket);
        if (bytes.Length > ProtocolLimits.BucketBytesMax)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"A bucket name is at most {ProtocolLimits.BucketBytesMax} bytes; '{bucket}' has {bytes.Length}."),
                nameof(bucket));
        }

        return bytes;
    }

    public static void CheckTimeout(TimeSpan timeout, string name)
    {
        if (timeout <= TimeSpan.Zero || timeout.TotalMilliseconds > ClientLimits.RequestTimeoutMaxMs)
        {
            throw new ArgumentOutOfRangeException(
                name, timeout, string.Create(CultureInfo.InvariantCulture, $"Must be positive and at most {ClientLimits.RequestTimeoutMaxMs} ms."));
        }
    }

    /// <summary>The N a request routes with: its own, or the cluster's default.</summary>
    public static int CheckN(int? n, int defaultN)
    {
        if (n is { } value && (value < 1 || value > Limits.ReplicasMax))
        {
            throw new ArgumentOutOfRangeException(
                nameof(n), value, string.Create(CultureInfo.InvariantCulture, $"N must be from 1 to {Limits.ReplicasMax}."));
        }

        return n ?? defaultN;
    }

    /// <summary>R or W as sent: 0 for the bucket's default, otherwise checked from 1 to N.</summary>
    public static byte CheckQuorum(int? quorum, int n, string name)
    {
        if (quorum is not { } value)
        {
            return 0;
        }

        if (value < 1 || value > n)
        {
            throw new ArgumentOutOfRangeException(
                name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be from 1 to N = {n}; it is {value}."));
        }

        return (byte)value;
    }
}
