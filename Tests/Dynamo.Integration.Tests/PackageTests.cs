using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;
using Dynamo.Integration.Tests.Harness;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>
/// The driver as a NuGet package: Dynamo.Engine, Dynamo.Protocol and Dynamo.Client packed (from this build) into a
/// feed of the test's own, the QuickStart sample built outside the repository against that feed alone (plus the
/// registry for everything else), then run against a live node.
/// </summary>
public sealed class PackageTests : ClusterTestBase
{
    private static readonly string[] s_packages = ["Dynamo.Engine", "Dynamo.Protocol", "Dynamo.Client"];
    private static readonly TimeSpan s_packTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(5);

    internal override ClusterSettings Settings => new(Nodes: 1, N: 1, R: 1, W: 1);

    [Test]
    public async Task A_fresh_app_restores_Dynamo_Client_from_a_local_feed_and_uses_it_against_a_live_node()
    {
        var work = Directory.CreateTempSubdirectory("dynamo-package-").FullName;
        try
        {
            // A version no cache can hold already: a package of the same version cached by an earlier run would be
            // used instead of the one packed now.
            var suffix = "test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
            var feed = Path.Combine(work, "feed");
            var version = await PackAsync(feed, suffix);
            CheckPackages(feed, version);

            var app = CopySample(work);
            WriteNuGetConfig(app, feed);
            var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(work, "packages") };
            var build = await DotnetCommand.RunAsync(
                ["build", app, "-c", "Release", "--disable-build-servers", "-nodeReuse:false", $"-p:DynamoVersion={version}"],
                app,
                environment,
                s_buildTimeout);
            Assert.That(build.ExitCode, Is.Zero, build.ToString());
            await TestContext.Out.WriteLineAsync($"sample restored and built in {build.Elapsed.TotalSeconds:0.0} s");
            Assert.That(
                Directory.Exists(Path.Combine(work, "packages", "dynamo.client", version)),
                Is.True,
                "Dynamo.Client was restored from the test's feed into the test's package folder");

            var sample = Path.Combine(app, "bin", "Release", "net10.0", "QuickStart.dll");
            var node = Cluster[0];
            var fromArgument = await DotnetCommand.RunAsync([sample, $"nodes={node.Endpoint};timeout=5s"], app, null, Deadline.Step);
            var fromEnvironment = await DotnetCommand.RunAsync(
                [sample], app, new Dictionary<string, string> { ["DYNAMO_CONNECTION_STRING"] = $"nodes={node.Endpoint}" }, Deadline.Step);

            string[] expected =
            [
                $"connected: 1 members (n1 at {node.Endpoint}), N = 1",
                "put greeting = hello from Dynamo.Client",
                "get greeting -> hello from Dynamo.Client",
                "get cart -> 2 siblings: apples | pears",
                "resolved cart -> apples,pears (1 sibling)",
                "deleted greeting -> found afterwards: no",
            ];
            foreach (var run in new[] { fromArgument, fromEnvironment })
            {
                Assert.That(run.ExitCode, Is.Zero, run.ToString());
                Assert.That(run.Lines, Is.EqualTo(expected), run.ToString());
                Assert.That(run.Error, Is.Empty, run.ToString());
            }

            var badString = await DotnetCommand.RunAsync([sample, $"nodes={node.Endpoint};w=many"], app, null, Deadline.Step);
            Assert.That(badString.ExitCode, Is.EqualTo(2), badString.ToString());
            Assert.That(badString.Error, Does.Contain("'w' is 'many': expected a whole number from 1 to 16"), badString.ToString());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Packs the three packages from this build into <paramref name="feed"/>; returns their version.</summary>
    private static async Task<string> PackAsync(string feed, string suffix)
    {
        foreach (var project in new[] { "Engine/Dynamo.Engine.csproj", "Protocol/Dynamo.Protocol.csproj", "Client/Dynamo.Client/Dynamo.Client.csproj" })
        {
            var pack = await DotnetCommand.RunAsync(
                ["pack", Path.Combine(DotnetCommand.RepositoryRoot, project), "-c", DotnetCommand.Configuration, "--no-build",
                    "--disable-build-servers", "-nodeReuse:false", "-o", feed, $"-p:VersionSuffix={suffix}"],
                DotnetCommand.RepositoryRoot,
                null,
                s_packTimeout);
            Assert.That(pack.ExitCode, Is.Zero, pack.ToString());
        }

        var client = Directory.GetFiles(feed, "Dynamo.Client.*.nupkg").Single();
        return Path.GetFileNameWithoutExtension(client)["Dynamo.Client.".Length..];
    }

    /// <summary>Each package has its symbols beside it, and the driver's says what a user needs to know of it.</summary>
    private static void CheckPackages(string feed, string version)
    {
        Assert.That(version, Does.Match(@"^\d+\.\d+\.\d+-test\.\d+$"), "SemVer, one version for every package");
        foreach (var id in s_packages)
        {
            Assert.That(File.Exists(Path.Combine(feed, $"{id}.{version}.nupkg")), Is.True, $"{id} {version} is packed");
            Assert.That(File.Exists(Path.Combine(feed, $"{id}.{version}.snupkg")), Is.True, $"{id} {version} has a symbols package");
        }

        using var package = ZipFile.OpenRead(Path.Combine(feed, $"Dynamo.Client.{version}.nupkg"));
        var entries = package.Entries.Select(entry => entry.FullName).ToList();
        Assert.That(entries, Does.Contain("lib/net10.0/Dynamo.Client.dll").And.Contain("lib/net10.0/Dynamo.Client.xml").And.Contain("README.md"));
        using var nuspecStream = package.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(element => element.Name.LocalName == "metadata");
        string Field(string name) => metadata.Elements().Single(element => element.Name.LocalName == name).Value;
        XElement Element(string name) => metadata.Elements().Single(element => element.Name.LocalName == name);

        Assert.That((Field("id"), Field("version")), Is.EqualTo(("Dynamo.Client", version)));
        Assert.That(Field("description"), Does.StartWith("The .NET driver of Dynamo"));
        Assert.That(Field("authors"), Is.Not.Empty);
        Assert.That((Element("license").Attribute("type")?.Value, Field("license")), Is.EqualTo(("expression", "Apache-2.0")));
        Assert.That(Field("readme"), Is.EqualTo("README.md"));
        Assert.That(Field("tags"), Does.Contain("dynamo"));
        Assert.That(Element("repository").Attribute("type")?.Value, Is.EqualTo("git"));
        var dependencies = metadata.Descendants().Where(element => element.Name.LocalName == "dependency")
            .ToDictionary(element => element.Attribute("id")!.Value, element => element.Attribute("version")!.Value);
        Assert.That(dependencies["Dynamo.Engine"], Is.EqualTo(version));
        Assert.That(dependencies["Dynamo.Protocol"], Is.EqualTo(version));
    }

    /// <summary>Copies the sample's project and code out of the repository, where no repository setting reaches it.</summary>
    private static string CopySample(string work)
    {
        var source = Path.Combine(DotnetCommand.RepositoryRoot, "Client", "Samples", "QuickStart");
        var app = Path.Combine(work, "QuickStart");
        Directory.CreateDirectory(app);
        foreach (var file in new[] { "QuickStart.csproj", "Program.cs" })
        {
            File.Copy(Path.Combine(source, file), Path.Combine(app, file));
        }

        return app;
    }

    /// <summary>
    /// The app's own NuGet.config: the test's feed for the Dynamo packages (and nowhere else, by source mapping),
    /// the registry for the rest, and the machine's package folder as a fallback so that packages the repository
    /// already restored are not downloaded again.
    /// </summary>
    private static void WriteNuGetConfig(string app, string feed)
    {
        var machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var config = new XDocument(new XElement(
            "configuration",
            new XElement(
                "packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", "dynamo-test-feed"), new XAttribute("value", feed)),
                new XElement("add", new XAttribute("key", "nuget.org"), new XAttribute("value", "https://api.nuget.org/v3/index.json"), new XAttribute("protocolVersion", "3"))),
            new XElement(
                "packageSourceMapping",
                new XElement("packageSource", new XAttribute("key", "dynamo-test-feed"), s_packages.Select(id => new XElement("package", new XAttribute("pattern", id)))),
                new XElement("packageSource", new XAttribute("key", "nuget.org"), new XElement("package", new XAttribute("pattern", "*")))),
            new XElement(
                "fallbackPackageFolders",
                new XElement("clear"),
                Directory.Exists(machinePackages) ? new XElement("add", new XAttribute("key", "machine"), new XAttribute("value", machinePackages)) : null)));
        config.Save(Path.Combine(app, "NuGet.config"));
    }
}
