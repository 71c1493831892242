using System.Text.Json;
using V2V.TestSupport;

namespace V2V.Cli.Tests;

public class ConvertCommandTests
{
    private const long MiB = 1024 * 1024;

    private static string Raw(TempFolder folder, string name = "disk.raw") =>
        SparseImage.Create(folder.File(name), 8 * MiB, [new DataRun(MiB, 65536, RunFill.Random), new DataRun(5 * MiB, 4096, RunFill.Repeated, 0xAB)]);

    [Test]
    public void Json_result_names_the_target_its_size_and_the_digest()
    {
        using var folder = new TempFolder();
        string raw = Raw(folder);

        var result = CliRunner.Run("convert", raw, folder.File("disk.vhdx"), "--json", "--verify", "--block-size", "1M");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var root = json.RootElement;
        var target = root.GetProperty("targets")[0];
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("capacity").GetInt64(), Is.EqualTo(8 * MiB));
            Assert.That(root.GetProperty("digest").GetString(), Does.Match("^xxh128-1m:[0-9a-f]{32}$"));
            Assert.That(root.GetProperty("dataBytesRead").GetInt64(), Is.EqualTo(2 * MiB), "two chunks touched by data");
            Assert.That(target.GetProperty("format").GetString(), Is.EqualTo("vhdx"));
            Assert.That(target.GetProperty("subformat").GetString(), Is.EqualTo("dynamic"));
            Assert.That(target.GetProperty("verified").GetBoolean(), Is.True);
            Assert.That(target.GetProperty("fileLength").GetInt64(), Is.EqualTo(new FileInfo(folder.File("disk.vhdx")).Length));
            Assert.That(result.StdErr, Is.Empty, "no progress bar when output is not a terminal");
        });
    }

    [Test]
    public void The_digest_is_the_same_whatever_the_container()
    {
        using var folder = new TempFolder();
        string raw = Raw(folder);
        CliRunner.Run("convert", raw, folder.File("a.vhdx"), "--block-size", "1M");
        CliRunner.Run("convert", raw, folder.File("b.vhdx"), "--subformat", "fixed", "--block-size", "4M");

        string Digest(string path) => JsonDocument.Parse(CliRunner.Run("info", path, "--json", "--digest").StdOut).RootElement.GetProperty("digest").GetString()!;

        Assert.That(Digest(folder.File("a.vhdx")), Is.EqualTo(Digest(raw)));
        Assert.That(Digest(folder.File("b.vhdx")), Is.EqualTo(Digest(raw)));
    }

    [Test]
    public void An_existing_target_is_kept_unless_force_is_given()
    {
        using var folder = new TempFolder();
        string raw = Raw(folder);
        File.WriteAllText(folder.File("disk.vhdx"), "keep me");

        CliRunner.Run("convert", raw, folder.File("disk.vhdx")).AssertRejected("disk.vhdx", "--force");
        Assert.That(File.ReadAllText(folder.File("disk.vhdx")), Is.EqualTo("keep me"));

        Assert.That(CliRunner.Run("convert", raw, folder.File("disk.vhdx"), "--force").ExitCode, Is.EqualTo(0));
        Assert.That(new FileInfo(folder.File("disk.vhdx")).Length, Is.GreaterThan(4 * MiB));
    }

    [Test]
    public void The_source_is_never_the_target()
    {
        using var folder = new TempFolder();
        string raw = Raw(folder);
        byte[] before = File.ReadAllBytes(raw);

        CliRunner.Run("convert", raw, raw, "--to", "raw", "--force").AssertRejected("disk.raw", "never writes its source");
        Bytes.AssertEqual(before, File.ReadAllBytes(raw));
    }

    [TestCase("--to", "qcow9", "unknown target format")]
    [TestCase("--block-size", "lots", "not a size")]
    [TestCase("--block-size", "3M", "power of two")]
    [TestCase("--subformat", "thin", "subformat")]
    [TestCase("--sector-size", "1024", "sector size")]
    public void Bad_options_are_refused_before_anything_is_written(string option, string value, string message)
    {
        using var folder = new TempFolder();
        string raw = Raw(folder);

        var result = CliRunner.Run("convert", raw, folder.File("out.vhdx"), option, value);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
        Assert.That(result.StdErr, Does.StartWith("error: ").And.Contain(message));
        Assert.That(folder.FileNames(), Is.EqualTo(new[] { "disk.raw" }));
    }

    [Test]
    public void A_target_without_a_known_extension_needs_to()
    {
        using var folder = new TempFolder();
        string raw = Raw(folder);

        CliRunner.Run("convert", raw, folder.File("disk.out")).AssertRejected("disk.out", "--to");
        Assert.That(CliRunner.Run("convert", raw, folder.File("disk.out"), "--to", "vhdx").ExitCode, Is.EqualTo(0));
    }

    [Test]
    public void A_missing_source_is_a_usage_error()
    {
        using var folder = new TempFolder();
        CliRunner.Run("convert", folder.File("nope.raw"), folder.File("out.vhdx")).AssertRejected("nope.raw", "no such file");
    }

    [Test]
    public void The_real_executable_reports_bad_usage_with_exit_2_and_one_line()
    {
        var result = CliRunner.RunProcess("convert", "only-one-argument");

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StdErr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(result.StdErr, Does.StartWith("error: "));
    }

    [Test]
    public void The_real_executable_converts_without_drawing_progress_when_redirected()
    {
        using var folder = new TempFolder();
        string raw = Raw(folder);

        var result = CliRunner.RunProcess("convert", raw, folder.File("disk.vhdx"), "--verify");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdErr, Is.Empty);
        Assert.That(result.StdOut, Does.Contain("verified  yes"));
    }
}
