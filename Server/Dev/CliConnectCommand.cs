using System.Reflection;
using Dynamo.Server.Storage;

namespace Dynamo.Server.Dev;

/// <summary>
/// The command <c>dev</c>'s banner prints to connect <c>dynamo-cli</c> to the cluster, chosen from how this server was
/// started: under <c>dotnet run</c> in a source tree, <c>dotnet run --project .../Client/Dynamo.Cli -- -p PORT</c>;
/// from a built server (its apphost, or <c>dotnet dynamo-server.dll</c>), the built <c>dynamo-cli</c> next to it, in
/// the source tree's build of the same configuration, or on PATH, started the same way; else <c>dynamo-cli -p PORT</c>
/// with a <see cref="Note"/> on where it is built.
/// </summary>
/// <param name="Command">A shell command line that connects the CLI to the cluster.</param>
/// <param name="Note">What to say under it when the CLI was not found; null when it was.</param>
internal sealed record CliConnectCommand(string Command, string? Note)
{
    private const string Cli = "dynamo-cli";

    private static readonly string[] s_configurations = ["Release", "Debug"];

    /// <summary>The command for this process, connecting to <paramref name="port"/>.</summary>
    public static CliConnectCommand ForThisProcess(int port) => Choose(Launch.OfThisProcess(), port, File.Exists);

    /// <summary>
    /// The command for a server started as <paramref name="launch"/> says, connecting to <paramref name="port"/>;
    /// <paramref name="fileExists"/> is the only look at the disk.
    /// </summary>
    public static CliConnectCommand Choose(Launch launch, int port, Func<string, bool> fileExists)
    {
        var serverDirectory = ServerDirectory(launch);
        var tree = serverDirectory is null ? null : FindSourceTree(serverDirectory, fileExists);
        var configuration = tree is null || serverDirectory is null ? null : BuildConfiguration(tree, serverDirectory);
        if (tree is not null && IsDotnetRun(launch.ParentCommandLine))
        {
            var project = Display(Path.Combine(tree, "Client", "Dynamo.Cli"), launch.WorkingDirectory);
            var build = configuration is null or "Debug" ? "" : $"-c {configuration} ";
            return new($"dotnet run {build}--project {project} -- -p {port}", null);
        }

        // Start the CLI the way this server was started: through the dotnet host, or as its own executable.
        var throughHost = IsDotnetHost(launch.ProcessPath);
        foreach (var directory in CliDirectories(serverDirectory, tree, configuration))
        {
            var apphost = Path.Combine(directory, Cli);
            var assembly = apphost + ".dll";
            var choices = throughHost
                ? new[] { (assembly, $"dotnet {Display(assembly, launch.WorkingDirectory)}"), (apphost, Display(apphost, launch.WorkingDirectory)) }
                : [(apphost, Display(apphost, launch.WorkingDirectory)), (assembly, $"dotnet {Display(assembly, launch.WorkingDirectory)}")];
            foreach (var (file, command) in choices)
            {
                if (fileExists(file))
                {
                    return new($"{command} -p {port}", null);
                }
            }
        }

        if (OnSearchPath(launch.SearchPath, fileExists))
        {
            return new($"{Cli} -p {port}", null);
        }

        return new(
            $"{Cli} -p {port}",
            $"{Cli} was not found next to this server, in a build of the repository or on PATH; build it with " +
            "'dotnet build -c Release Client/Dynamo.Cli' in the repository: it lands in Client/Dynamo.Cli/bin/Release/net10.0/");
    }

    /// <summary>Where the server's own files are: its entry assembly's folder, else its executable's.</summary>
    private static string? ServerDirectory(Launch launch)
    {
        var file = string.IsNullOrEmpty(launch.EntryAssemblyPath) ? launch.ProcessPath : launch.EntryAssemblyPath;
        return string.IsNullOrEmpty(file) ? null : Path.GetDirectoryName(Path.GetFullPath(file));
    }

    /// <summary>The repository holding <paramref name="directory"/>: the nearest folder up with the solution and the CLI's project.</summary>
    private static string? FindSourceTree(string directory, Func<string, bool> fileExists)
    {
        for (var current = directory; !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            if (fileExists(Path.Combine(current, "Dynamo.sln")) && fileExists(Path.Combine(current, "Client", "Dynamo.Cli", "Dynamo.Cli.csproj")))
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>The configuration of a server built in the tree: <c>&lt;tree&gt;/Server/bin/&lt;configuration&gt;/&lt;framework&gt;</c>.</summary>
    private static string? BuildConfiguration(string tree, string serverDirectory)
    {
        var parts = Path.GetRelativePath(tree, serverDirectory).Split(Path.DirectorySeparatorChar);
        return parts is ["Server", "bin", var configuration, _] ? configuration : null;
    }

    /// <summary>Folders where a built CLI may be, the likeliest first.</summary>
    private static IEnumerable<string> CliDirectories(string? serverDirectory, string? tree, string? configuration)
    {
        if (serverDirectory is null)
        {
            yield break;
        }

        // Published side by side.
        yield return serverDirectory;
        if (tree is null || configuration is null)
        {
            yield break;
        }

        var framework = Path.GetFileName(serverDirectory);
        foreach (var candidate in s_configurations.Prepend(configuration).Distinct(StringComparer.Ordinal))
        {
            yield return Path.Combine(tree, "Client", "Dynamo.Cli", "bin", candidate, framework);
        }
    }

    private static bool IsDotnetHost(string? path) =>
        path is not null && Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the parent is <c>dotnet run</c> (or <c>dotnet watch</c>, which runs the project the same way).</summary>
    private static bool IsDotnetRun(IReadOnlyList<string> parent) =>
        parent.Count >= 2 && IsDotnetHost(parent[0])
        && (parent[1] is "run" or "watch" || Path.GetFileName(parent[1]).Equals("dotnet-watch.dll", StringComparison.OrdinalIgnoreCase));

    private static bool OnSearchPath(string? searchPath, Func<string, bool> fileExists) =>
        !string.IsNullOrEmpty(searchPath)
        && searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Any(directory => fileExists(Path.Combine(directory, Cli)));

    /// <summary>
    /// A path as typed in a shell at <paramref name="workingDirectory"/>: relative below it (with a slash, so that it
    /// is not looked up on PATH), else absolute; quoted when a shell would split or expand it.
    /// </summary>
    private static string Display(string path, string workingDirectory)
    {
        var relative = Path.GetRelativePath(workingDirectory, path);
        var below = !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative)
            && Path.GetPathRoot(workingDirectory) != workingDirectory;
        var shown = !below ? path : relative.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) ? relative : "./" + relative;
        return shown.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+:@%,=".Contains(c, StringComparison.Ordinal))
            ? shown
            : "'" + shown.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>How a server process was started: everything the choice depends on.</summary>
    /// <param name="ProcessPath">The executable: the server's apphost, or the <c>dotnet</c> host.</param>
    /// <param name="EntryAssemblyPath">The server's assembly (<c>dynamo-server.dll</c>); null when unknown.</param>
    /// <param name="ParentCommandLine">The parent process's arguments, its program first; empty when unknown.</param>
    /// <param name="WorkingDirectory">The working directory, against which paths are shown.</param>
    /// <param name="SearchPath">The PATH variable.</param>
    internal sealed record Launch(
        string? ProcessPath, string? EntryAssemblyPath, IReadOnlyList<string> ParentCommandLine, string WorkingDirectory, string? SearchPath)
    {
        /// <summary>This process's launch, the parent's command line read from <c>/proc</c>.</summary>
        public static Launch OfThisProcess() => new(
            Environment.ProcessPath,
            Assembly.GetEntryAssembly()?.Location,
            ParentCommandLineOf(Libc.ParentProcessId()),
            Environment.CurrentDirectory,
            Environment.GetEnvironmentVariable("PATH"));

        private static string[] ParentCommandLineOf(int pid)
        {
            try
            {
                return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return [];
            }
        }
    }
}
