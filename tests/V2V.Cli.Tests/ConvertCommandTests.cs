using System.Text.Json;
using V2V.TestSupport;

namespace V2V.Cli.Tests;

public class ConvertCommandTests
{
    private const long MiB = 1024 * 1024;

    private static string Raw(TempFolder folder, string name = "disk.raw") =>
        SparseImage.Create(folder.File(name), 8 * MiB, [new DataRun(MiB, 65536, RunFill.Random), new DataRun(5 * MiB, 4096, RunFill.Repeated, 0xAB)]);

    /// <summary>The text of help between two markers, with its line wrapping undone.</summary>
    private static string Section(string help, string from, string to)
    {
        int start = help.IndexOf(from, StringComparison.Ordinal);
        int end = help.IndexOf(to, start, StringComparison.Ordinal);
        Assert.That(start >= 0 && end > start, $"help has {from} before {to}:\n{help}");
        return System.Text.RegularExpressions.Regex.Replace(help[(start + from.Length)..end], @"\s+", " ");
    }

    [Test]
    public void Help_lists_every_target_format_subformat_and_source_kind_of_the_registry()
    {
        var registry = FormatCatalog.Create();

        var result = CliRunner.Run("convert", "--help");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        string help = result.StdOut[Math.Max(0, result.StdOut.IndexOf("Arguments:", StringComparison.Ordinal))..];
        string source = Section(help, "<SOURCE>", "<TARGET>");
        string to = Section(help, "--to <to>", "--subformat");
        string subformat = Section(help, "--subformat <subformat>", "--block-size");
        Assert.Multiple(() =>
        {
            foreach (var name in registry.Sources.Select(f => f.Name).Append(registry.Raw.Name).Concat(registry.VmSources.Select(f => f.Name)))
            {
                Assert.That(source, Does.Match($@"(?i)\b{name}\b"), $"SOURCE names {name}");
            }

            foreach (var target in registry.Targets)
            {
                Assert.That(to, Does.Match($@"\b{target.Name}\b"), $"--to names {target.Name}");
                foreach (var sub in target.Subformats)
                {
                    Assert.That(subformat, Does.Match($@"\b{target.Name}: [^;]*\b{sub}\b"), $"--subformat names {target.Name}'s {sub}");
                }
            }

            // What the help once left out, by name: so the test cannot pass on an empty registry.
            Assert.That(source, Does.Contain("XVA"));
            Assert.That(to, Does.Contain("vhd,").And.Contain("vmdk"));
            Assert.That(subformat, Does.Contain("vmdk: streamOptimized (default) or monolithicSparse"));
        });
    }

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
    public void A_sector_size_change_that_would_misplace_the_partitions_is_refused()
    {
        using var folder = new TempFolder();
        string raw = Raw(folder);
        using (var file = new FileStream(raw, FileMode.Open))
        {
            // An MBR: one partition at LBA 2048, the 55 AA signature. At 4096-byte sectors it would start at 8 MiB.
            var mbr = new byte[512];
            mbr[446 + 4] = 0x07;
            BitConverter.GetBytes(2048u).CopyTo(mbr, 446 + 8);
            BitConverter.GetBytes(8192u).CopyTo(mbr, 446 + 12);
            (mbr[510], mbr[511]) = (0x55, 0xAA);
            file.Write(mbr);
        }

        CliRunner.Run("convert", raw, folder.File("out.vhdx"), "--sector-size", "4096").AssertRejected("disk.raw", "would misplace every partition");
        Assert.That(folder.FileNames(), Is.EqualTo(new[] { "disk.raw" }));

        // A disk without a partition table or boot sector may change its sector size.
        using var blank = new TempFolder();
        Assert.That(CliRunner.Run("convert", Raw(blank), blank.File("out.vhdx"), "--sector-size", "4096").ExitCode, Is.EqualTo(0));
    }

    [TestCase("--generation", "1")]
    [TestCase("--switch", "LAN=External")]
    [TestCase("--memory", "4GiB")]
    [TestCase("--vm-folder", "D:\\VMs")]
    public void Hyper_v_definition_options_are_refused_for_a_single_disk_which_gets_no_definition(string option, string value)
    {
        using var folder = new TempFolder();
        string raw = Raw(folder);

        CliRunner.Run("convert", raw, folder.File("out.vhdx"), option, value).AssertRejected("disk.raw", option + " applies to VM packages only");
        Assert.That(folder.FileNames(), Is.EqualTo(new[] { "disk.raw" }));
    }

    [Test]
    public void A_memory_size_below_hyper_v_s_minimum_is_refused_before_anything_is_written()
    {
        using var folder = new TempFolder();
        string ova = Path.Combine(RepositoryPaths.Root, "samples", "vmware", "tiny-boot.ova");

        // 4096 meant as MiB (a VMX's memsize unit) is 4096 bytes here.
        var result = CliRunner.Run("convert", ova, folder.File("vm"), "--memory", "4096");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
        Assert.That(result.StdErr.Trim(), Is.EqualTo("error: --memory 4096: 4096 bytes is below Hyper-V's minimum startup memory of 32 MiB (a bare number is bytes: write a unit, e.g. 4GiB or 4096MiB)"));
        Assert.That(folder.FileNames(), Is.Empty);
        Assert.That(CliRunner.Run("convert", ova, folder.File("vm"), "--memory", "32MiB", "--no-progress").ExitCode, Is.EqualTo(0));
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
