using System.Text.RegularExpressions;
using Json.Schema;
using V2V.Core.Pipeline;
using V2V.TestSupport;
using YamlDotNet.Serialization;

namespace V2V.Cli.Tests.Pipelines;

/// <summary>pipeline.schema.json (for editors) accepts every pipeline the repository ships or the README shows.</summary>
public partial class PipelineSchemaTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "pipeline.schema.json")));

    private static EvaluationResults Evaluate(string yaml)
    {
        var value = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build().Deserialize<object>(yaml);
        string json = new SerializerBuilder().JsonCompatible().Build().Serialize(value);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return Schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static string Errors(EvaluationResults results) =>
        string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));

    public static IEnumerable<string> ShippedPipelines() =>
        Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "samples"), "pipeline.yaml", SearchOption.AllDirectories)
            .Append(Path.Combine(RepositoryPaths.Root, "pipeline.yaml"))
            .Select(p => Path.GetRelativePath(RepositoryPaths.Root, p));

    [TestCaseSource(nameof(ShippedPipelines))]
    public void A_shipped_pipeline_is_valid(string path)
    {
        var results = Evaluate(File.ReadAllText(Path.Combine(RepositoryPaths.Root, path)));
        Assert.That(results.IsValid, Is.True, Errors(results));
    }

    [Test]
    public void The_readme_pipelines_are_valid_and_a_misspelt_key_is_not()
    {
        // Whole documents as they are; job fragments (the hyperv: example) inside a document.
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var blocks = YamlBlock().Matches(readme).Select(m => m.Groups[1].Value).Where(b => b.Contains("name:", StringComparison.Ordinal)).ToList();
        Assert.That(blocks, Has.Count.GreaterThanOrEqualTo(2));
        foreach (var block in blocks)
        {
            string document = block.StartsWith("version:", StringComparison.Ordinal) ? block : "version: 1\njobs:\n" + block;
            var results = Evaluate(document);
            Assert.That(results.IsValid, Is.True, $"{Errors(results)}\n{document}");
        }

        Assert.That(Evaluate("version: 1\njobs:\n  - name: x\n    source: { path: a.raw }\n    chain: [ { format: vhdx, path: a.vhdx } ]\n    hyperv: { switchmap: {} }\n").IsValid, Is.False);
    }

    [Test]
    public void The_schema_and_the_readme_name_what_the_registry_has()
    {
        using var schema = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "pipeline.schema.json")));
        var defs = schema.RootElement.GetProperty("$defs");
        var job = defs.GetProperty("job").GetProperty("properties");
        var step = defs.GetProperty("step").GetProperty("properties");
        static string[] Enum(System.Text.Json.JsonElement e) => [.. e.GetProperty("enum").EnumerateArray().Select(x => x.GetString()!)];
        var registry = FormatCatalog.Jobs(FormatCatalog.Create());

        Assert.Multiple(() =>
        {
            Assert.That(Enum(job.GetProperty("source").GetProperty("properties").GetProperty("type")), Is.EqualTo(registry.Sources.Types), "source types");
            var providers = registry.Sources.Types.Select(t => registry.Sources.Find(t)!).Distinct();
            Assert.That(job.GetProperty("source").GetProperty("properties").EnumerateObject().Select(p => p.Name), Is.EquivalentTo(providers.SelectMany(p => p.Keys).Distinct()), "source keys");
            Assert.That(Enum(step.GetProperty("format")), Is.EqualTo(registry.Formats.Targets.Select(t => t.Name)), "target formats");
            Assert.That(Enum(step.GetProperty("subformat")), Is.EqualTo(registry.Formats.Targets.SelectMany(t => t.Subformats).Distinct()), "subformats");
            Assert.That(Enum(defs.GetProperty("digest")), Is.EqualTo(DigestAlgorithm.All.Select(a => a.Name)), "digests");
            Assert.That(job.EnumerateObject().Select(p => p.Name).Where(k => registry.Sections.Any(s => s.Key == k)), Is.EqualTo(registry.Sections.Select(s => s.Key)), "job sections");

            // The README's reference table names every source type once.
            string row = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "README.md")).Single(l => l.StartsWith("| `jobs[].source.type`", StringComparison.Ordinal));
            Assert.That(BackQuoted().Matches(row).Select(m => m.Groups[1].Value).Skip(1), Is.EquivalentTo(registry.Sources.Types), "README");
        });
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex BackQuoted();

    [GeneratedRegex("```yaml\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
