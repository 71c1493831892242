using System.Diagnostics;
using V2V.TestSupport;

namespace V2V.Fuzz.Tests;

/// <summary>
/// The inputs of ../shared/samples/reliability, found by fuzzing V2V: each once gave an internal error
/// (exit 3), a hang or a crash; each must give exit 2 and one error: line naming the file (for YAML,
/// with the line and column of the problem), fast.
/// </summary>
public sealed class ReliabilitySampleTests
{
    private static readonly TimeSpan Fast = TimeSpan.FromSeconds(5);

    [TestCase("info")]
    [TestCase("check")]
    [TestCase("convert")]
    public void A_sparse_vmdk_header_shorter_than_its_512_bytes_is_refused_as_truncated(string verb)
    {
        using var temp = new TempFolder();
        string sample = RepositoryPaths.Sample("reliability/kdmv4.vmdk");
        string[] args = verb == "convert" ? [verb, sample, temp.File("t.vhdx")] : [verb, sample];
        CliRunner.Run(args).AssertRejected(sample, "sparse extent header");
        Assert.That(temp.FileNames(), Is.Empty);
    }

    [Test]
    public void A_stream_optimized_grain_marker_of_size_0_is_refused_when_the_grain_is_read()
    {
        using var temp = new TempFolder();
        string sample = RepositoryPaths.Sample("reliability/stream-zeroed-marker.vmdk");
        CliRunner.Run("convert", sample, temp.File("t.vhdx"), "--no-sync").AssertRejected(sample, "grain marker at sector 130");
        Assert.That(temp.FileNames(), Is.Empty);
    }

    [TestCase("brace.yaml", 1, "syntax error: the parser cannot go on past this point (a key or value is missing or misplaced)")]
    [TestCase("yaml-alias-key-bomb.yaml", 7, "aliases expand the document past")]
    [TestCase("yaml-deep-nesting.yaml", 2, "nesting deeper than 64 levels")]
    public void A_hostile_pipeline_is_refused_at_its_line_quickly(string name, int line, string message)
    {
        string sample = RepositoryPaths.Sample("reliability/" + name);
        var clock = Stopwatch.StartNew();
        var result = CliRunner.Run("run", sample, "--dry-run");
        AssertPipelineRefused(result, sample, line, message);
        Assert.That(clock.Elapsed, Is.LessThan(Fast));
    }

    /// <summary>60,000 levels once overflowed the stack (SIGSEGV); run as the real executable so a crash is seen as one.</summary>
    [Test]
    public void Sixty_thousand_levels_of_nesting_are_refused_without_a_crash()
    {
        using var temp = new TempFolder();
        string file = temp.File("deep.yaml");
        File.WriteAllText(file, "version: 1\njobs: " + new string('[', 60_000) + new string(']', 60_000) + "\n");
        var clock = Stopwatch.StartNew();
        var result = CliRunner.RunProcess("run", file, "--dry-run");
        AssertPipelineRefused(result, file, 2, "nesting deeper than 64 levels");
        Assert.That(clock.Elapsed, Is.LessThan(Fast + Fast));
    }

    [TestCase("a: &a [x, *a]\n", 1, 11, "a cycle")]
    [TestCase("version: 1\njobs:\n  - name: *nowhere\n", 3, 11, "names no anchor")]
    [TestCase("a: &a [1, 2]\nb: *a\nc: &b [*a, *a, *a]\n", 0, 0, "")]
    [TestCase("     : i\n", 1, 7, "a mapping key without a value")] // found by AFL++: the parser drops "i"; YamlStream threw ArgumentException
    public void Aliases_are_checked_before_the_tree_is_built(string yaml, int line, int column, string message)
    {
        using var temp = new TempFolder();
        string file = temp.File("pipeline.yaml");
        File.WriteAllText(file, yaml);
        var result = CliRunner.Run("run", file, "--dry-run");
        if (line == 0)
        {
            // Within budget: the aliases are fine; what is wrong is the schema (no version, no jobs).
            Assert.That(result.StdErr, Does.Contain("missing \"version: 1\""));
            return;
        }

        Assert.That(result.StdErr, Does.Contain($"pipeline.yaml:{line}:{column}: ").And.Contain(message), result.StdErr);
        Assert.That(result.ExitCode, Is.EqualTo(2));
    }

    /// <summary>Pipelines AFL++ found (as bytes: some are not UTF-8), each once an internal error.</summary>
    [TestCase("20202020203a20690a")]
    [TestCase("003a00ffe603e8")]
    public void Pipelines_found_by_fuzzing_are_refused_as_bad_input(string hex)
    {
        using var temp = new TempFolder();
        string file = temp.File("pipeline.yaml");
        File.WriteAllBytes(file, Convert.FromHexString(hex));
        var result = CliRunner.Run("run", file, "--dry-run");
        Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
        Assert.That(result.StdErr, Does.Match(@"pipeline\.yaml:\d+:\d+: ").And.Not.Contain("internal error"));
    }

    private static void AssertPipelineRefused(CliResult result, string file, int line, string message)
    {
        string name = Path.GetFileName(file);
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
            Assert.That(lines.Count(l => l.StartsWith("error: ", StringComparison.Ordinal)), Is.EqualTo(1), result.StdErr);
            Assert.That(lines.Single(l => l.StartsWith("error: ", StringComparison.Ordinal)), Does.Contain(name));
            Assert.That(lines, Has.Some.StartsWith($"{name}:{line}:").And.Contains(message), result.StdErr);
            Assert.That(result.StdErr, Does.Not.Contain("internal error"));
        });
    }
}
