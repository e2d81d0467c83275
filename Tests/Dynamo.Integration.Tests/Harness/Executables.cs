using System.Diagnostics;
using System.Reflection;

namespace Dynamo.Integration.Tests.Harness;

/// <summary>
/// Finds the built <c>dynamo-server</c> and <c>dynamo-cli</c> and starts them as separate processes through the
/// <c>dotnet</c> host (<c>dotnet dynamo-server.dll ...</c>), so nothing depends on an apphost or on DOTNET_ROOT.
/// </summary>
internal static class Executables
{
    public const string Server = "dynamo-server";
    public const string Cli = "dynamo-cli";

    /// <summary>
    /// A start description for <paramref name="program"/> with <paramref name="arguments"/>: output and error
    /// redirected, input redirected when asked.
    /// </summary>
    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments, bool redirectInput = false)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
        };
        start.ArgumentList.Add(AssemblyPath(program));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The nodes' console logger writes plain lines when output is redirected; keep colours out regardless.
        start.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false";
        start.Environment["NO_COLOR"] = "1";
        return start;
    }

    /// <summary>
    /// The program's assembly: where the build recorded it (its project's TargetPath, in this assembly's metadata),
    /// else the project's output folder found by walking up to the repository.
    /// </summary>
    public static string AssemblyPath(string program)
    {
        var recorded = typeof(Executables).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == program)?.Value;
        if (recorded is not null && File.Exists(recorded))
        {
            return recorded;
        }

        var project = program == Server ? "Server" : Path.Combine("Client", "Dynamo.Cli");
        var configuration = typeof(Executables).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Dynamo.sln")))
            {
                var candidate = Path.Combine(directory.FullName, project, "bin", configuration, "net10.0", program + ".dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }

                break;
            }
        }

        throw new FileNotFoundException(
            $"{program}.dll was not found (recorded path '{recorded}', nor under {project}/bin/{configuration}/net10.0): build the solution first.");
    }

    /// <summary>The <c>dotnet</c> host running this test process, else the one on the PATH.</summary>
    internal static string DotnetHost()
    {
        var path = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(path) && File.Exists(path))
        {
            return path;
        }

        path = Environment.ProcessPath;
        return path is not null && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
    }
}
