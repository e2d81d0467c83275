using System.Reflection;
using System.Reflection.Emit;
using NUnit.Framework;

namespace Dynamo.Architecture.Tests;

/// <summary>
/// Pins which folder of the server may use which (docs/ARCHITECTURE.md § The server's folders): the folders form layers,
/// with no loop between them, so a folder can be read, tested and changed knowing only the ones below it.
/// </summary>
/// <remarks>
/// The dependencies are read from the compiled server: every type a type's fields, signatures, base types and method
/// bodies (IL, including lambdas and state machines, which count for the type that holds them) refer to. A fully
/// qualified name in code is seen as surely as a <c>using</c>. Constants are compiled into the code that uses them, so
/// the source is read too: a <c>using Dynamo.Server.X</c> or a qualified <c>Dynamo.Server.X.</c> in a folder's files
/// counts as that folder using X.
/// </remarks>
public sealed class ServerFolderTests
{
    /// <summary>
    /// The layers, each with the folders it may use besides its own. <c>Shared</c> is the server's root types every
    /// folder may use (<c>Log</c>, <c>ServerLimits</c>); <c>Entry</c> is <c>Program</c> and <c>ServerCommandLine</c>.
    /// </summary>
    private static readonly Dictionary<string, string[]> s_allowed = new()
    {
        ["Shared"] = [],
        ["Addresses"] = ["Shared"],
        ["Wire"] = ["Shared"],
        ["Options"] = ["Shared", "Addresses"],
        ["Storage"] = ["Shared", "Options"],
        ["Peers"] = ["Shared", "Wire", "Addresses"],
        ["Node"] = ["Shared", "Peers", "Storage", "Wire", "Options", "Addresses"],
        ["Connections"] = ["Shared", "Wire", "Node"],
        ["Hosting"] = ["Shared", "Connections", "Node", "Peers", "Storage", "Wire", "Options", "Addresses"],
        ["Dev"] = ["Shared", "Options", "Storage", "Addresses"],
        ["Entry"] = ["Shared", "Hosting", "Dev", "Connections", "Node", "Peers", "Storage", "Wire", "Options", "Addresses"],
    };

    private static readonly Dictionary<short, OpCode> s_opCodes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    [Test]
    public void Every_server_folder_is_one_of_the_layers()
    {
        var folders = ServerTypes().Select(FolderOf).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.That(folders, Is.SubsetOf(s_allowed.Keys), "a new folder needs its place among the layers");
    }

    [Test]
    public void Server_folders_use_only_the_folders_below_them()
    {
        var graph = FolderGraph();
        var breaches = graph
            .SelectMany(pair => pair.Value
                .Where(target => !s_allowed[pair.Key].Contains(target))
                .Select(target => $"{pair.Key} -> {target} ({string.Join(", ", Witnesses(pair.Key, target).Take(3))})"))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.That(breaches, Is.Empty, "server folders import each other against the layering:\n" + Describe(graph));
    }

    [Test]
    public void The_allowed_folder_dependencies_have_no_loop()
    {
        var visiting = new HashSet<string>();
        var done = new HashSet<string>();
        foreach (var folder in s_allowed.Keys)
        {
            Visit(folder, []);
        }

        void Visit(string folder, List<string> path)
        {
            if (done.Contains(folder))
            {
                return;
            }

            Assert.That(visiting.Add(folder), Is.True, "loop: " + string.Join(" -> ", path.Append(folder)));
            foreach (var below in s_allowed[folder])
            {
                Visit(below, [.. path, folder]);
            }

            visiting.Remove(folder);
            done.Add(folder);
        }
    }

    [Test]
    public void The_folder_scan_sees_dependencies_it_must_catch()
    {
        // The host wires the node loop to the connections: if the scan missed these, the layering test could pass blind.
        var graph = FolderGraph();
        TestContext.Out.WriteLine(Describe(graph));
        Assert.That(graph["Hosting"], Does.Contain("Node").And.Contain("Connections").And.Contain("Peers"));
        Assert.That(graph["Node"], Does.Contain("Peers").And.Contain("Wire"));
        Assert.That(graph["Connections"], Does.Contain("Wire"));
        Assert.That(graph["Entry"], Does.Contain("Hosting"));
    }

    private static Dictionary<string, SortedSet<string>> FolderGraph()
    {
        var graph = s_allowed.Keys.ToDictionary(folder => folder, _ => new SortedSet<string>(StringComparer.Ordinal));
        foreach (var (from, to) in TypeEdges())
        {
            var source = FolderOf(from);
            var target = FolderOf(to);
            if (source != target)
            {
                graph[source].Add(target);
            }
        }

        foreach (var (source, target) in SourceEdges())
        {
            if (source != target)
            {
                graph[source].Add(target);
            }
        }

        return graph;
    }

    /// <summary>Folder uses named in the source: namespace imports and qualified names of the server's folders.</summary>
    private static IEnumerable<(string From, string To)> SourceEdges()
    {
        var root = Path.Combine(RepositoryRoot(), "Server");
        var named = new System.Text.RegularExpressions.Regex(@"\bDynamo\.Server\.([A-Z]\w*)\b");
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
            if (relative[0] is "bin" or "obj")
            {
                continue;
            }

            var text = File.ReadAllText(file);
            var from = relative.Length == 1
                ? Path.GetFileNameWithoutExtension(file) is "Program" or "ServerCommandLine" ? "Entry" : "Shared"
                : relative[0];
            foreach (System.Text.RegularExpressions.Match match in named.Matches(text))
            {
                if (match.Index >= 10 && text.AsSpan(match.Index - 10, 10).SequenceEqual("namespace "))
                {
                    continue;
                }

                yield return (from, match.Groups[1].Value);
            }
        }
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

    private static IEnumerable<string> Witnesses(string source, string target) =>
        TypeEdges()
            .Where(edge => FolderOf(edge.From) == source && FolderOf(edge.To) == target)
            .Select(edge => $"{Outermost(edge.From).Name} uses {Outermost(edge.To).Name}")
            .Distinct();

    private static string Describe(Dictionary<string, SortedSet<string>> graph) =>
        string.Join("\n", graph.Select(pair => $"  {pair.Key} -> {string.Join(", ", pair.Value)}"));

    private static Assembly Server() => Assembly.Load(new AssemblyName("dynamo-server"));

    private static IEnumerable<Type> ServerTypes() =>
        Server().GetTypes().Where(type => type.Namespace is { } ns && ns.StartsWith("Dynamo", StringComparison.Ordinal));

    /// <summary>The layer a server type belongs to, by the namespace (which follows the folder) of its outermost type.</summary>
    private static string FolderOf(Type type)
    {
        var outer = Outermost(type);
        return outer.Namespace switch
        {
            "Dynamo.Server" when outer.Name is "Program" or "ServerCommandLine" => "Entry",
            "Dynamo.Server" => "Shared",
            // The command-line conventions live in Server/Options/Shared and are linked into the other tools.
            "Dynamo.CommandLineConventions" => "Options",
            { } ns when ns.StartsWith("Dynamo.Server.", StringComparison.Ordinal) => ns["Dynamo.Server.".Length..].Split('.')[0],
            var ns => throw new InvalidOperationException($"{outer.FullName} is in namespace {ns}, outside the server's folders"),
        };
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } declaring)
        {
            type = declaring;
        }

        return type;
    }

    private static List<(Type From, Type To)> TypeEdges()
    {
        var server = Server();
        var edges = new List<(Type, Type)>();
        foreach (var type in ServerTypes())
        {
            foreach (var used in UsedTypes(type))
            {
                foreach (var part in Expand(used))
                {
                    if (part.Assembly == server && part.Namespace is { } ns && ns.StartsWith("Dynamo", StringComparison.Ordinal))
                    {
                        edges.Add((type, part));
                    }
                }
            }
        }

        return edges;
    }

    /// <summary>A type with its element type and generic arguments, recursively.</summary>
    private static IEnumerable<Type> Expand(Type type)
    {
        if (type.IsGenericParameter)
        {
            yield break;
        }

        if (type.HasElementType)
        {
            foreach (var inner in Expand(type.GetElementType()!))
            {
                yield return inner;
            }

            yield break;
        }

        yield return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments().SelectMany(Expand))
            {
                yield return argument;
            }
        }
    }

    private static IEnumerable<Type> UsedTypes(Type type)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
                                 BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }

        foreach (var implemented in type.GetInterfaces())
        {
            yield return implemented;
        }

        foreach (var field in type.GetFields(All))
        {
            yield return field.FieldType;
        }

        foreach (var property in type.GetProperties(All))
        {
            yield return property.PropertyType;
        }

        foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (method is MethodInfo info)
            {
                yield return info.ReturnType;
            }

            foreach (var parameter in method.GetParameters())
            {
                yield return parameter.ParameterType;
            }

            foreach (var used in TypesInBody(method))
            {
                yield return used;
            }
        }
    }

    /// <summary>Every type the IL of a method body names: through a type, field or method token.</summary>
    private static IEnumerable<Type> TypesInBody(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            var value = (short)il[at];
            at++;
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[at]);
                at++;
            }

            var code = s_opCodes[value];
            switch (code.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    at += 1;
                    break;
                case OperandType.InlineVar:
                    at += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    at += 8;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + (4 * BitConverter.ToInt32(il, at));
                    break;
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    var member = method.Module.ResolveMember(BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                    at += 4;
                    if (member is Type named)
                    {
                        yield return named;
                    }
                    else if (member?.DeclaringType is { } owner)
                    {
                        yield return owner;
                        if (member is MethodInfo called)
                        {
                            yield return called.ReturnType;
                            foreach (var argument in called.IsGenericMethod ? called.GetGenericArguments() : [])
                            {
                                yield return argument;
                            }
                        }
                        else if (member is FieldInfo field)
                        {
                            yield return field.FieldType;
                        }
                    }

                    break;
                default:
                    // InlineBrTarget, InlineI, InlineR4 (ShortInlineR), InlineSig, InlineString: four bytes, naming no type.
                    at += 4;
                    break;
            }
        }
    }
}
