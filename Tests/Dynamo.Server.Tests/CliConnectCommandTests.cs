using Dynamo.Server.Dev;
using NUnit.Framework;
using Launch = Dynamo.Server.Dev.CliConnectCommand.Launch;

namespace Dynamo.Server.Tests;

/// <summary>
/// The command <c>dev</c>'s banner prints to connect the CLI, for each way the server can be started. The disk is the
/// set of files given; nothing is read.
/// </summary>
public sealed class CliConnectCommandTests
{
    private const int Port = 7101;
    private const string Repo = "/src/dynamo";
    private const string Dotnet = "/usr/share/dotnet/dotnet";
    private const string ServerRelease = Repo + "/Server/bin/Release/net10.0";
    private const string ServerDebug = Repo + "/Server/bin/Debug/net10.0";
    private const string CliRelease = Repo + "/Client/Dynamo.Cli/bin/Release/net10.0";

    private static readonly string[] s_sourceTree = [Repo + "/Dynamo.sln", Repo + "/Client/Dynamo.Cli/Dynamo.Cli.csproj"];

    [Test]
    public void Under_dotnet_run_from_the_repository_it_is_dotnet_run_of_the_CLI_project()
    {
        var launch = new Launch(ServerDebug + "/dynamo-server", ServerDebug + "/dynamo-server.dll", [Dotnet, "run", "--project", "Server", "--", "dev"], Repo, "/usr/bin");

        var command = Choose(launch, CliRelease + "/dynamo-cli");

        Assert.That(command, Is.EqualTo(new CliConnectCommand("dotnet run --project Client/Dynamo.Cli -- -p 7101", null)));
    }

    [Test]
    public void Under_dotnet_run_of_a_Release_build_elsewhere_it_names_the_configuration_and_the_project_s_full_path()
    {
        var launch = new Launch(
            ServerRelease + "/dynamo-server", ServerRelease + "/dynamo-server.dll", ["dotnet", "run", "-c", "Release", "--", "dev"], Repo + "/Server", null);

        Assert.That(Choose(launch).Command, Is.EqualTo($"dotnet run -c Release --project {Repo}/Client/Dynamo.Cli -- -p 7101"));
    }

    [Test]
    public void From_the_built_apphost_it_is_the_built_CLI_apphost_relative_to_the_working_directory()
    {
        var launch = new Launch(ServerRelease + "/dynamo-server", ServerRelease + "/dynamo-server.dll", ["-bash"], Repo, "/usr/bin");

        var command = Choose(launch, CliRelease + "/dynamo-cli", CliRelease + "/dynamo-cli.dll");

        Assert.That(command, Is.EqualTo(new CliConnectCommand("Client/Dynamo.Cli/bin/Release/net10.0/dynamo-cli -p 7101", null)));
    }

    [Test]
    public void Through_the_dotnet_host_it_is_the_built_CLI_through_the_dotnet_host_by_its_full_path()
    {
        var launch = new Launch(Dotnet, ServerRelease + "/dynamo-server.dll", ["/bin/sh", "-c", "dotnet dynamo-server.dll dev"], "/tmp", "/usr/bin");

        var command = Choose(launch, CliRelease + "/dynamo-cli", CliRelease + "/dynamo-cli.dll");

        Assert.That(command.Command, Is.EqualTo($"dotnet {CliRelease}/dynamo-cli.dll -p 7101"));
    }

    [Test]
    public void A_Debug_server_takes_the_Release_CLI_when_only_that_one_is_built()
    {
        var launch = new Launch(ServerDebug + "/dynamo-server", ServerDebug + "/dynamo-server.dll", [], "/", null);

        Assert.That(Choose(launch, CliRelease + "/dynamo-cli").Command, Is.EqualTo($"{CliRelease}/dynamo-cli -p 7101"));
    }

    [Test]
    public void A_published_server_takes_the_CLI_published_beside_it()
    {
        var launch = new Launch("/opt/dynamo/dynamo-server", "/opt/dynamo/dynamo-server.dll", [], "/opt/dynamo", "/usr/bin");

        Assert.That(Choose(launch, "/opt/dynamo/dynamo-cli", "/usr/bin/dynamo-cli").Command, Is.EqualTo("./dynamo-cli -p 7101"), "a path without a slash would be looked up on PATH");
    }

    [Test]
    public void A_CLI_found_only_on_PATH_is_named_bare()
    {
        var launch = new Launch("/opt/dynamo/dynamo-server", "/opt/dynamo/dynamo-server.dll", [], "/home/me", "/usr/local/bin:/usr/bin");

        Assert.That(Choose(launch, "/usr/bin/dynamo-cli"), Is.EqualTo(new CliConnectCommand("dynamo-cli -p 7101", null)));
    }

    [Test]
    public void A_CLI_found_nowhere_is_named_bare_with_a_note_on_where_it_is_built()
    {
        var launch = new Launch(ServerRelease + "/dynamo-server", ServerRelease + "/dynamo-server.dll", [], Repo, "/usr/bin");

        var command = Choose(launch);

        Assert.That(command.Command, Is.EqualTo("dynamo-cli -p 7101"));
        Assert.That(command.Note, Does.Contain("dotnet build -c Release Client/Dynamo.Cli").And.Contain("Client/Dynamo.Cli/bin/Release/net10.0/"));
    }

    [Test]
    public void Dotnet_run_outside_a_source_tree_is_judged_by_the_files_like_any_built_server()
    {
        var launch = new Launch("/opt/dynamo/dynamo-server", "/opt/dynamo/dynamo-server.dll", ["dotnet", "run"], "/opt", null);

        Assert.That(Choose(launch, "/opt/dynamo/dynamo-cli").Command, Is.EqualTo("dynamo/dynamo-cli -p 7101"));
    }

    [Test]
    public void A_path_a_shell_would_split_is_quoted()
    {
        var launch = new Launch("/home/me/my builds/dynamo-server", "/home/me/my builds/dynamo-server.dll", [], "/", null);

        Assert.That(Choose(launch, "/home/me/my builds/dynamo-cli").Command, Is.EqualTo("'/home/me/my builds/dynamo-cli' -p 7101"));
    }

    private static CliConnectCommand Choose(Launch launch, params string[] files)
    {
        var disk = new HashSet<string>(s_sourceTree.Concat(files), StringComparer.Ordinal);
        return CliConnectCommand.Choose(launch, Port, disk.Contains);
    }
}
