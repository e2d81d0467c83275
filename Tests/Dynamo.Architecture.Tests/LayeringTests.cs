using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using NUnit.Framework;

namespace Dynamo.Architecture.Tests;

/// <summary>
/// Pins the architecture of docs/ARCHITECTURE.md: which assembly may reference which, and that the deterministic core
/// (Engine) and the wire format (Protocol) never reach for a clock, randomness, threads, files or sockets of their own.
/// </summary>
public sealed class LayeringTests
{
    private static readonly string[] s_forbiddenInCore =
    [
        "System.DateTime.get_Now", "System.DateTime.get_UtcNow", "System.DateTime.get_Today",
        "System.DateTimeOffset.get_Now", "System.DateTimeOffset.get_UtcNow",
        "System.Environment.get_TickCount", "System.Environment.get_TickCount64",
        "System.TimeProvider.get_System", "System.Diagnostics.Stopwatch",
        // A generator passed in as a parameter is the caller's seeded randomness; creating one, or taking the shared
        // one, would be randomness of the core's own.
        "System.Random..ctor", "System.Random.get_Shared", "System.Guid.NewGuid", "System.Security.Cryptography.RandomNumberGenerator",
        "System.Threading.Tasks.Task.Run", "System.Threading.Tasks.Task.Delay", "System.Threading.Thread",
        "System.Threading.Timer", "System.Threading.ThreadPool",
        "System.IO.File", "System.IO.FileStream", "System.IO.Directory", "System.IO.RandomAccess",
        "System.Net.Sockets",
    ];

    [TestCase("Engine/Dynamo.Engine.csproj")]
    [TestCase("Protocol/Dynamo.Protocol.csproj")]
    public void Engine_and_Protocol_reference_no_other_Dynamo_project(string project)
    {
        Assert.That(ProjectReferencesOf(project), Is.Empty, $"{project} must depend only on the base library");
    }

    [TestCase("Dynamo.Engine")]
    [TestCase("Dynamo.Protocol")]
    public void Engine_and_Protocol_assemblies_reference_no_other_Dynamo_assembly(string name)
    {
        Assert.That(DynamoReferencesOf(name), Is.Empty, $"{name} must depend only on the base library");
    }

    [Test]
    public void The_server_references_the_engine_and_the_protocol()
    {
        Assert.That(
            ProjectReferencesOf("Server/Dynamo.Server.csproj"),
            Is.EquivalentTo(new[] { "Dynamo.Engine", "Dynamo.Protocol" }));
    }

    /// <summary>
    /// The driver hashes keys and walks the ring exactly as the nodes do, so it uses the engine's placement code
    /// (pure, base-library-only) instead of a second copy of a consistency-critical algorithm; never the server.
    /// </summary>
    [Test]
    public void The_driver_references_exactly_the_engine_and_the_protocol()
    {
        Assert.That(
            ProjectReferencesOf("Client/Dynamo.Client/Dynamo.Client.csproj"),
            Is.EquivalentTo(new[] { "Dynamo.Engine", "Dynamo.Protocol" }));
        Assert.That(DynamoReferencesOf("Dynamo.Client"), Has.None.EqualTo("dynamo-server"));
    }

    [Test]
    public void The_cli_is_a_layer_over_the_driver()
    {
        Assert.That(ProjectReferencesOf("Client/Dynamo.Cli/Dynamo.Cli.csproj"), Is.EquivalentTo(new[] { "Dynamo.Client" }));
        Assert.That(DynamoReferencesOf("dynamo-cli"), Has.None.EqualTo("dynamo-server"));
    }

    [TestCase("Dynamo.Engine")]
    [TestCase("Dynamo.Protocol")]
    public void The_core_uses_no_clock_randomness_threads_files_or_sockets(string name)
    {
        var used = ReferencedMembers(name)
            .Where(member => s_forbiddenInCore.Any(forbidden =>
                member == forbidden || member.StartsWith(forbidden + ".", StringComparison.Ordinal)))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.That(used, Is.Empty, $"{name} must take time, randomness and I/O as parameters");
    }

    [TestCase("Dynamo.Engine")]
    [TestCase("Dynamo.Protocol")]
    public void The_core_has_no_static_mutable_state(string name)
    {
        var mutable = Load(name).GetTypes()
            .SelectMany(type => type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic |
                                               BindingFlags.DeclaredOnly)
                .Where(field => !field.IsLiteral && !field.IsInitOnly &&
                                !field.Name.Contains('<', StringComparison.Ordinal))
                .Select(field => $"{type.FullName}.{field.Name}"))
            .ToList();
        Assert.That(mutable, Is.Empty, "several nodes must be able to live in one process");
    }

    [Test]
    public void The_forbidden_member_scan_sees_references_it_must_catch()
    {
        // The scan reads member references from metadata; this assembly calls Random and DateTime.UtcNow, so the
        // scan must see both here, or the tests above could pass while blind.
        _ = DateTime.UtcNow.Ticks + new Random(1).Next();
        var own = ReferencedMembers(typeof(LayeringTests).Assembly.GetName().Name!);
        Assert.That(own, Does.Contain("System.DateTime.get_UtcNow"));
        Assert.That(own, Does.Contain("System.Random..ctor"));
    }

    /// <summary>The project names a project file references, read from the file itself.</summary>
    private static List<string> ProjectReferencesOf(string project)
    {
        var path = Path.Combine(RepositoryRoot(), project);
        return System.Xml.Linq.XDocument.Load(path)
            .Descendants("ProjectReference")
            .Select(reference => Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value))
            .ToList();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dynamo.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Dynamo.sln not found above " + TestContext.CurrentContext.TestDirectory);
    }

    private static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));

    private static List<string> DynamoReferencesOf(string name) =>
        Load(name).GetReferencedAssemblies()
            .Select(reference => reference.Name!)
            .Where(reference => reference.StartsWith("Dynamo", StringComparison.Ordinal) ||
                                reference.StartsWith("dynamo", StringComparison.Ordinal))
            .ToList();

    /// <summary>Every type and member the assembly refers to, as "Namespace.Type.Member" (or "Namespace.Type").</summary>
    private static List<string> ReferencedMembers(string name)
    {
        using var stream = File.OpenRead(Load(name).Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var names = new List<string>();
        foreach (var handle in metadata.TypeReferences)
        {
            names.Add(TypeName(metadata, handle));
        }

        foreach (var handle in metadata.MemberReferences)
        {
            var member = metadata.GetMemberReference(handle);
            var parent = member.Parent.Kind switch
            {
                HandleKind.TypeReference => TypeName(metadata, (TypeReferenceHandle)member.Parent),
                HandleKind.TypeSpecification => "(generic)",
                _ => "(local)",
            };
            names.Add($"{parent}.{metadata.GetString(member.Name)}");
        }

        return names;
    }

    private static string TypeName(MetadataReader metadata, TypeReferenceHandle handle)
    {
        var type = metadata.GetTypeReference(handle);
        var ns = metadata.GetString(type.Namespace);
        var typeName = metadata.GetString(type.Name);
        return type.ResolutionScope.Kind == HandleKind.TypeReference
            ? $"{TypeName(metadata, (TypeReferenceHandle)type.ResolutionScope)}.{typeName}"
            : string.IsNullOrEmpty(ns) ? typeName : $"{ns}.{typeName}";
    }
}
