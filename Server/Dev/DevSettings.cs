using System.Globalization;

namespace Dynamo.Server.Dev;

/// <summary>What <c>dynamo-server dev</c> was started with, checked.</summary>
internal sealed record DevSettings
{
    /// <summary>Default of <c>--nodes</c>.</summary>
    public const int NodesDefault = 3;

    /// <summary>Default of <c>--base-port</c>.</summary>
    public const int BasePortDefault = 7101;

    /// <summary>Default of <c>--partitions</c> for a dev cluster: small, so a laptop's cluster starts at once.</summary>
    public const int PartitionsDefault = 64;

    /// <summary>Default of <c>--log-level</c>.</summary>
    public const string LogLevelDefault = "information";

    /// <summary>How the default data directory is named under the temporary folder.</summary>
    public const string DataDirectoryPattern = "dynamo-dev-<yyyyMMdd-HHmmss>";

    /// <summary>Nodes n1..nN.</summary>
    public int Nodes { get; init; } = NodesDefault;

    /// <summary>The port of n1; node k listens on base + k − 1.</summary>
    public int BasePort { get; init; } = BasePortDefault;

    /// <summary>Q of every node.</summary>
    public int Partitions { get; init; } = PartitionsDefault;

    /// <summary>The <c>--log-level</c> of every node.</summary>
    public string LogLevel { get; init; } = LogLevelDefault;

    /// <summary>The options after <c>--</c>, given to every node.</summary>
    public IReadOnlyList<string> NodeArguments { get; init; } = [];

    /// <summary>Holds the nodes' data directories &lt;dir&gt;/n1...</summary>
    public string DataDirectory { get; init; } = Path.Combine(
        Path.GetTempPath(), "dynamo-dev-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
}
