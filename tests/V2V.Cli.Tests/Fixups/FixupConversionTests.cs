using System.Text.Json;
using V2V.TestSupport;

namespace V2V.Cli.Tests.Fixups;

/// <summary>
/// The conversion's post-copy guest stage on the whole-guest fixture (a Server 2003-like guest
/// booting from a RAID driver, VMware Tools installed), checked with independent tools: qemu-img
/// turns the output back into raw, ntfscat takes the SYSTEM hive out of it, hivexget reads the
/// fixed values, ntfsfix -n checks the volume, and the bytes that differ from the source all lie
/// in the journal's ranges.
/// </summary>
[TestFixture]
public sealed class FixupConversionTests
{
    private const string Cs = "ControlSet001";
    private TempFolder _folder = null!;
    private string _raw = null!;

    [OneTimeSetUp]
    public void Build()
    {
        foreach (string tool in new[] { "qemu-img", "ntfscat", "ntfsfix", "hivexget" })
        {
            ExternalTool.Require(tool);
        }

        _folder = new TempFolder();
        _raw = new WindowsGuestFixture().Build(_folder.Path, "guest.img");
    }

    [OneTimeTearDown]
    public void Remove() => _folder?.Dispose();

    [TestCase("vhdx", "raw")]
    [TestCase("vhd", "vmdk")]
    public void a_windows_guest_converted_to_hyper_v_is_fixed_and_journaled(string format, string sourceFormat)
    {
        string source = _raw;
        if (sourceFormat != "raw")
        {
            source = _folder.File($"guest-{format}.{sourceFormat}");
            QemuImg.Convert(_raw, "raw", source, sourceFormat);
        }

        string target = _folder.File($"fixed.{format}");
        var result = CliRunner.Run("convert", source, target, "--json", "--no-progress", "--verify");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr + result.StdOut);
        var report = JsonDocument.Parse(result.StdOut).RootElement;
        var written = report.GetProperty("targets")[0];
        string sourceDigest = report.GetProperty("digest").GetString()!;
        string outputDigest = written.GetProperty("digest").GetString()!;
        Assert.That(outputDigest, Is.Not.EqualTo(sourceDigest));
        Assert.That(written.GetProperty("verified").GetBoolean(), Is.True);
        Assert.That(Digest(target), Is.EqualTo(outputDigest), "v2v info --digest of the output");
        Assert.That(Digest(_raw), Is.EqualTo(sourceDigest), "v2v info --digest of the source");
        Assert.That(string.Join("\n", written.GetProperty("guest").EnumerateArray().Select(l => l.GetString())), Does.Contain("ide-boot: applied").And.Contain("foreign-agents: applied"));

        var journal = JsonDocument.Parse(File.ReadAllText(target + ".fixups.json")).RootElement;
        Assert.That(journal.GetProperty("source-digest").GetString(), Is.EqualTo(sourceDigest));
        Assert.That(journal.GetProperty("output-digest").GetString(), Is.EqualTo(outputDigest));
        Assert.That(File.ReadAllBytes(target + ".undo.reg").AsSpan(0, 2).ToArray(), Is.EqualTo(new byte[] { 0xFF, 0xFE }));

        string back = _folder.File($"fixed-{format}.raw");
        QemuImg.Convert(target, format == "vhd" ? "vpc" : format, back, "raw");
        string hive = Cat(back, "WINDOWS/system32/config/system");
        Assert.That(Get(hive, Cs + @"\services\atapi", "Start"), Is.EqualTo("0"));
        Assert.That(Get(hive, Cs + @"\services\intelide", "Start"), Is.EqualTo("0"));
        Assert.That(Get(hive, Cs + @"\Control\CrashControl", "AutoReboot"), Is.EqualTo("0"));
        foreach (var change in journal.GetProperty("registry").EnumerateArray().Where(c => c.GetProperty("new-type").GetString() == "REG_DWORD"))
        {
            Assert.That(uint.Parse(Get(hive, change.GetProperty("key").GetString()!, change.GetProperty("value").GetString()!), System.Globalization.CultureInfo.InvariantCulture),
                Is.EqualTo(Dword(change.GetProperty("new-data").GetString()!)), change.ToString());
        }

        Assert.That(ExternalTool.Ok("ntfsfix", "-n", Partition(back)), Does.Contain("processed successfully"));
        AssertDifferencesJournaled(_raw, back, journal);
    }

    [Test]
    public void with_fixups_off_the_output_holds_the_source_s_bytes_and_no_journal()
    {
        string target = _folder.File("off.vhdx");
        var result = CliRunner.Run("convert", _raw, target, "--fixups", "off", "--no-progress");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertIdentical(_raw, "raw", target, "vhdx");
        Assert.That(File.Exists(target + ".fixups.json"), Is.False);
    }

    [Test]
    public void a_streamed_xva_from_stdin_is_fixed_before_it_is_put_in_place()
    {
        var xva = new XvaBuilder(_folder.Path);
        xva.AddDisk(_raw, new FileInfo(_raw).Length, 0, "win");
        string package = xva.Build(_folder.File("win.xva"));
        string folder = _folder.File("from-stdin");
        var result = CliRunner.RunProcessWithInput(package, ["convert", "-", folder, "--no-progress"]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr + result.StdOut);
        string disk = Directory.GetFiles(folder, "*-disk1.vhdx").Single();
        Assert.That(File.Exists(disk + ".fixups.json"), Is.True, result.StdOut);
        Assert.That(result.StdOut, Does.Contain("guest     ide-boot: applied"));
        var vmJson = JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(folder, "*.vm.json").Single())).RootElement;
        var described = vmJson.EnumerateObject().Any(p => p.Name == "disks") ? vmJson.GetProperty("disks")[0] : vmJson[0].GetProperty("disks")[0];
        Assert.That(described.GetProperty("outputDigest").GetString(), Is.EqualTo(Digest(disk)));
        Assert.That(described.GetProperty("digest").GetString(), Is.EqualTo(Digest(_raw)));
    }

    [Test]
    public void a_pipeline_chain_fixes_its_vhdx_step_and_leaves_its_raw_step_as_the_source()
    {
        string folder = Directory.CreateDirectory(_folder.File("chain")).FullName;
        File.Copy(_raw, Path.Combine(folder, "guest.img"));
        File.WriteAllText(Path.Combine(folder, "pipeline.yaml"), """
            version: 1
            jobs:
              - name: win
                source: { path: guest.img }
                chain:
                  - { format: raw, path: out/win.raw }
                  - { format: vhdx, path: out/win.vhdx }
                guest: { fixups: auto, disable-services: [intelppm] }
            """);
        var result = CliRunner.Run("run", Path.Combine(folder, "pipeline.yaml"), "--no-progress");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr + result.StdOut);
        QemuImg.AssertIdentical(_raw, "raw", Path.Combine(folder, "out", "win.raw"), "raw");
        Assert.That(File.Exists(Path.Combine(folder, "out", "win.raw.fixups.json")), Is.False);
        string vhdx = Path.Combine(folder, "out", "win.vhdx");
        Assert.That(File.Exists(vhdx + ".fixups.json"), Is.True);
        string back = vhdx + ".back.raw";
        QemuImg.Convert(vhdx, "vhdx", back, "raw");
        Assert.That(Get(Cat(back, "WINDOWS/system32/config/system"), Cs + @"\services\intelppm", "Start"), Is.EqualTo("4"));
    }

    [Test]
    public void fixups_on_with_a_fix_that_cannot_be_applied_fails_with_exit_4_and_writes_nothing()
    {
        string raw = new WindowsGuestFixture { Drivers = ["atapi.sys", "intelide.sys", "pciide.sys", "megasas.sys", "vmbus.sys", "storvsc.sys"] }.Build(_folder.Path, "no-pciidex.img");
        string target = _folder.File("on.vhdx");
        var result = CliRunner.Run("convert", raw, target, "--fixups", "on", "--no-progress");
        Assert.That(result.ExitCode, Is.EqualTo(4), result.StdErr + result.StdOut);
        Assert.That(result.StdErr, Does.Contain("ide-boot").And.Contain("pciidex.sys"));
        Assert.That(Directory.GetFiles(_folder.Path, "on.vhdx*"), Is.Empty);

        // auto: the same guest converts, with the rest fixed and a warning.
        var auto = CliRunner.Run("convert", raw, target, "--no-progress");
        Assert.That(auto.ExitCode, Is.EqualTo(0), auto.StdErr);
        Assert.That(auto.StdOut, Does.Contain("warning").And.Contain("ide-boot not applied"));
        Assert.That(File.Exists(target + ".fixups.json"), Is.True);
    }

    [Test]
    public void fixups_on_refuses_a_vmdk_target_before_anything_is_written()
    {
        string target = _folder.File("on.vmdk");
        var result = CliRunner.Run("convert", _raw, target, "--fixups", "on", "--no-progress");
        Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
        Assert.That(result.StdErr, Does.Contain("vmdk"));
        Assert.That(File.Exists(target), Is.False);
    }

    [Test]
    public void v2v_fix_fixes_an_unfixed_vhdx_in_place_atomically_and_refuses_a_second_time()
    {
        string target = _folder.File("later.vhdx");
        Assert.That(CliRunner.Run("convert", _raw, target, "--fixups", "off", "--subformat", "fixed", "--no-progress").ExitCode, Is.EqualTo(0));
        string before = Digest(target);
        var result = CliRunner.Run("fix", target);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr + result.StdOut);
        Assert.That(result.StdOut, Does.Contain("ide-boot: applied"));
        Assert.That(File.Exists(target + ".partial"), Is.False);
        var info = JsonDocument.Parse(CliRunner.Run("info", target, "--json").StdOut).RootElement;
        Assert.That(info.GetProperty("subformat").GetString(), Is.EqualTo("fixed"));
        QemuImg.AssertChecks(target, "vhdx");
        var journal = JsonDocument.Parse(File.ReadAllText(target + ".fixups.json")).RootElement;
        Assert.That(journal.GetProperty("source-digest").GetString(), Is.EqualTo(before));
        Assert.That(journal.GetProperty("output-digest").GetString(), Is.EqualTo(Digest(target)));
        string back = _folder.File("later.raw");
        QemuImg.Convert(target, "vhdx", back, "raw");
        Assert.That(Get(Cat(back, "WINDOWS/system32/config/system"), Cs + @"\services\atapi", "Start"), Is.EqualTo("0"));

        CliRunner.Run("fix", target).AssertRejected(target, "journal");
    }

    internal static string Digest(string path) =>
        JsonDocument.Parse(CliRunner.Run("info", path, "--json", "--digest").StdOut).RootElement.GetProperty("digest").GetString()!;

    private static uint Dword(string hex) => BitConverter.ToUInt32(Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal)));

    private static string Partition(string disk)
    {
        string partition = disk + ".part";
        ExternalTool.Ok("dd", $"if={disk}", $"of={partition}", "bs=1M", "skip=1", "status=none");
        return partition;
    }

    private static string Cat(string disk, string path)
    {
        string output = disk + "." + Path.GetFileName(path);
        ExternalTool.Ok("bash", "-c", $"ntfscat '{Partition(disk)}' '{path}' > '{output}'");
        return output;
    }

    private static string Get(string hive, string key, string value) => ExternalTool.Ok("hivexget", hive, "\\" + key, value).Trim();

    /// <summary>Every byte that differs between the source and the fixed disk lies in a journaled range, whose original bytes are the source's.</summary>
    private static void AssertDifferencesJournaled(string original, string changed, JsonElement journal)
    {
        var a = File.ReadAllBytes(original);
        var b = File.ReadAllBytes(changed);
        Assert.That(b.Length, Is.GreaterThanOrEqualTo(a.Length));
        var covered = new bool[a.Length];
        foreach (var range in journal.GetProperty("disk").EnumerateArray())
        {
            int offset = (int)range.GetProperty("offset").GetInt64();
            int length = (int)range.GetProperty("length").GetInt64();
            Assert.That(Convert.FromBase64String(range.GetProperty("original").GetString()!), Is.EqualTo(a.AsSpan(offset, length).ToArray()));
            covered.AsSpan(offset, length).Fill(true);
        }

        int differing = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                differing++;
                Assert.That(covered[i], Is.True, $"byte {i} differs outside the journal");
            }
        }

        Assert.That(differing, Is.GreaterThan(0));
    }
}
