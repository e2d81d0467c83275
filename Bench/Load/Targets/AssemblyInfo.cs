using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Dynamo.Bench.Targets.Tests")]
