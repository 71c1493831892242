using System.Text.Json;
using V2V.TestSupport;

namespace V2V.Cli.Tests;

public class InfoCheckCompareTests
{
    private const long MiB = 1024 * 1024;

    [Test]
    public void Info_reports_format_capacity_and_allocation()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("d.raw"), 16 * MiB, [new DataRun(2 * MiB, (int)MiB, RunFill.Random)]);
        CliRunner.Run("convert", raw, folder.File("d.vhdx"), "--block-size", "2M");

        var result = CliRunner.Run("info", folder.File("d.vhdx"), "--json");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        var root = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("format").GetString(), Is.EqualTo("vhdx"));
            Assert.That(root.GetProperty("subformat").GetString(), Is.EqualTo("dynamic"));
            Assert.That(root.GetProperty("capacity").GetInt64(), Is.EqualTo(16 * MiB));
            Assert.That(root.GetProperty("allocatedBytes").GetInt64(), Is.EqualTo(2 * MiB), "one 2 MiB block");
            Assert.That(root.GetProperty("properties").GetProperty("block size").GetString(), Is.EqualTo("2097152"));
        });

        var text = CliRunner.Run("info", raw);
        Assert.That(text.StdOut, Does.Contain("format:     raw").And.Contain("capacity:   16 MiB"));
    }

    [Test]
    public void Check_is_clean_for_what_we_write()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("d.raw"), 4 * MiB, [new DataRun(0, 512, RunFill.Random)]);
        CliRunner.Run("convert", raw, folder.File("d.vhdx"));

        var result = CliRunner.Run("check", folder.File("d.vhdx"), "--json");

        Assert.That(result.ExitCode, Is.EqualTo(0));
        var root = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.That(root.GetProperty("clean").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("findings").GetArrayLength(), Is.Zero);
    }

    [Test]
    public void Compare_finds_the_first_differing_byte_across_formats()
    {
        using var folder = new TempFolder();
        string a = SparseImage.Create(folder.File("a.raw"), 8 * MiB, [new DataRun(3 * MiB, 4096, RunFill.Repeated, 1)]);
        CliRunner.Run("convert", a, folder.File("a.vhdx"), "--block-size", "1M");
        string b = SparseImage.Create(folder.File("b.raw"), 8 * MiB, [new DataRun(3 * MiB, 4096, RunFill.Repeated, 1), new DataRun(6 * MiB + 77, 1, RunFill.Repeated, 9)]);

        Assert.That(CliRunner.Run("compare", a, folder.File("a.vhdx")).ExitCode, Is.EqualTo(0));

        var different = CliRunner.Run("compare", folder.File("a.vhdx"), b, "--json");
        Assert.That(different.ExitCode, Is.EqualTo(1));
        Assert.That(JsonDocument.Parse(different.StdOut).RootElement.GetProperty("firstDifference").GetInt64(), Is.EqualTo(6 * MiB + 77));
    }

    [Test]
    public void Compare_accepts_a_longer_disk_whose_tail_is_zero()
    {
        using var folder = new TempFolder();
        string a = SparseImage.Create(folder.File("a.raw"), 4 * MiB, [new DataRun(0, 100, RunFill.Random, 0)], seed: 2);
        string b = SparseImage.Create(folder.File("b.raw"), 5 * MiB, [new DataRun(0, 100, RunFill.Random, 0)], seed: 2);

        var same = CliRunner.Run("compare", a, b);
        Assert.That(same.ExitCode, Is.EqualTo(0));
        Assert.That(same.StdOut, Does.Contain("capacities differ"));

        File.WriteAllBytes(folder.File("c.raw"), File.ReadAllBytes(b).Select((x, i) => i == 4 * MiB + 1 ? (byte)1 : x).ToArray());
        var result = CliRunner.Run("compare", a, folder.File("c.raw"));
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.StdOut, Does.Contain($"offset {4 * MiB + 1}"));
    }

    [Test]
    public void The_digest_is_what_b3sum_computes_by_the_documented_recipe()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("d.raw"), 5 * MiB + 1536, [new DataRun(MiB + 7, 300000, RunFill.Random), new DataRun(5 * MiB, 1536, RunFill.Repeated, 3)]);

        string ours = JsonDocument.Parse(CliRunner.Run("info", raw, "--json", "--digest").StdOut).RootElement.GetProperty("digest").GetString()!;

        ExternalTool.Require("b3sum");
        var recipe = ExternalTool.RunIn(folder.Path, "bash", "-c",
            "split -b 1M -a 6 d.raw piece. && for f in piece.*; do b3sum --raw \"$f\"; done > hashes && b3sum --no-names hashes");
        Assert.That(recipe.ExitCode, Is.EqualTo(0), recipe.StdErr);
        Assert.That(ours, Is.EqualTo("blake3-1m:" + recipe.StdOut.Trim()));
    }

    [Test]
    public void An_unknown_verb_is_a_usage_error() =>
        Assert.That(CliRunner.Run("frobnicate").ExitCode, Is.EqualTo(2));
}
