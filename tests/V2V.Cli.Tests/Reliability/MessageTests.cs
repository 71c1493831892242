using V2V.TestSupport;

namespace V2V.Cli.Tests.Reliability;

/// <summary>Refusals name the right thing: the source when the source is wrong, the file the OS cannot create before anything is written.</summary>
public class MessageTests
{
    [Test]
    public void A_directory_as_source_is_called_a_directory()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("exports"));

        CliRunner.Run("convert", folder.File("exports"), folder.File("out.vhdx")).AssertRejected("exports", "is a directory");
        Assert.That(folder.FileNames(), Is.Empty);
    }

    [Test]
    public void An_empty_source_is_named_not_the_target()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("empty.img"), []);

        var result = CliRunner.Run("convert", folder.File("empty.img"), folder.File("out.vhdx"));

        result.AssertRejected("empty.img", "empty");
        Assert.That(result.StdErr, Does.Not.Contain("out.vhdx"));
    }

    [Test]
    public void Dev_null_as_source_is_named()
    {
        var result = CliRunner.Run("convert", "/dev/null", Path.Combine(Path.GetTempPath(), "never-written.vhdx"));

        result.AssertRejected("/dev/null");
        Assert.That(result.StdErr, Does.Not.Contain("never-written"));
    }

    [TestCase(300, "")]
    [TestCase(250, ".vhdx")]
    public void A_path_too_long_for_the_os_is_refused_before_anything_is_written(int length, string suffix)
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("disk.raw"), 1024 * 1024, [new DataRun(0, 512, RunFill.Random)]);
        string target = length == 300 ? Path.Combine(folder.Path, new string('x', length), "a.vhdx") : folder.File(new string('x', length) + suffix);

        CliRunner.Run("convert", raw, target, "--to", "vhdx").AssertRejected(target, "too long");
        Assert.That(folder.FileNames(), Is.EqualTo(new[] { "disk.raw" }));
    }

    [Test]
    public void A_pipeline_output_path_too_long_is_a_validation_error()
    {
        using var folder = new TempFolder();
        SparseImage.Create(folder.File("disk.raw"), 1024 * 1024, [new DataRun(0, 512, RunFill.Random)]);
        File.WriteAllText(folder.File("pipeline.yaml"), $"version: 1\njobs:\n  - name: a\n    source: {{ path: disk.raw }}\n    chain: [ {{ format: vhdx, path: {new string('y', 260)}.vhdx }} ]\n");

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"));

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StdErr, Does.Contain("pipeline.yaml:5:").And.Contain("too long"));
    }
}
