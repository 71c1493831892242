using V2V.TestSupport;

namespace V2V.Cli.Tests.Pipelines;

/// <summary>Every route's pipeline in samples/ runs and every output holds the sample disk exactly.</summary>
public class SamplePipelineTests
{
    [TestCase("tiny-boot", "out/tiny-boot.vmdk", "out/tiny-boot.vhdx")]
    [TestCase("vmware", "out/tiny-boot-disk1.vhdx", "out/tiny-boot.vm.json")]
    [TestCase("xenserver", "out/tiny-boot-disk1.vhd", "out/tiny-boot-disk1.vhdx")]
    public void The_route_pipeline_runs_and_its_outputs_hold_the_sample(string route, string first, string second)
    {
        using var folder = new TempFolder();
        string samples = Path.Combine(RepositoryPaths.Root, "samples");
        foreach (var file in Directory.GetFiles(Path.Combine(samples, route)).Where(f => !f.Contains("/out/", StringComparison.Ordinal)))
        {
            File.Copy(file, folder.File(Path.GetFileName(file)));
        }

        File.Copy(Path.Combine(samples, "tiny-boot", "tiny-boot.img"), folder.File("reference.img"), overwrite: true);

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr + result.StdOut);
        Assert.That(File.Exists(folder.File(second)), Is.True);
        foreach (var output in new[] { first, second }.Where(o => !o.EndsWith(".json", StringComparison.Ordinal)))
        {
            var compare = CliRunner.Run("compare", folder.File("reference.img"), folder.File(output));
            Assert.That(compare.ExitCode, Is.EqualTo(0), $"{output}: {compare.StdOut}");
        }
    }
}
