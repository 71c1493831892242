using System.Text.RegularExpressions;
using Json.Schema;
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

    [GeneratedRegex("```yaml\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
