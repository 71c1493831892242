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
    [TestCase("vhdx", "vhdx")]
    [TestCase("vhd", "vhdx")]
    public void a_windows_guest_converted_to_hyper_v_is_fixed_and_journaled(string format, string sourceFormat)
    {
        string source = _raw;
        if (sourceFormat != "raw")
        {
            source = _folder.File($"guest-{format}.{sourceFormat}");
            QemuImg.Convert(_raw, "raw", source, sourceFormat);
        }

        string target = _folder.File($"fixed-from-{sourceFormat}.{format}");
        var result = CliRunner.Run("convert", source, target, "--json", "--no-progress", "--verify");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr + result.StdOut);
        var report = JsonDocument.Parse(result.StdOut).RootElement;
        var written = report.GetProperty("targets")[0];
        string sourceDigest = report.GetProperty("digest").GetString()!;
        string outputDigest = written.GetProperty("digest").GetString()!;
        Assert.That(written.GetProperty("verified").GetBoolean(), Is.True);
        Assert.That(string.Join("\n", written.GetProperty("guest").EnumerateArray().Select(l => l.GetString())), Does.Contain("ide-boot: applied").And.Contain("foreign-agents: applied"));
        AssertFixed(target, format, sourceDigest, outputDigest);
    }

    [TestCase("vhdx")]
    [TestCase("vhd")]
    public void a_windows_guest_in_an_ova_is_fixed_whether_read_in_place_or_streamed_from_stdin(string format)
    {
        var builder = new OvaBuilder(Directory.CreateDirectory(_folder.File("ova-" + format)).FullName);
        builder.AddDisk("win", _raw, new FileInfo(_raw).Length);
        string ova = builder.Pack("win", _folder.File($"win-{format}.ova"));
        foreach (var (how, result) in new[]
        {
            ("file", CliRunner.Run("convert", ova, _folder.File($"ova-file-{format}"), "--to", format, "--verify", "--no-progress")),
            ("stdin", CliRunner.RunProcessWithInput(ova, ["convert", "-", _folder.File($"ova-stdin-{format}"), "--to", format, "--verify", "--no-progress"])),
        })
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), how + ": " + result.StdErr + result.StdOut);
            Assert.That(result.StdOut, Does.Contain("guest     ide-boot: applied").And.Contain("guest     foreign-agents: applied"), how);
            Assert.That(result.StdOut, Does.Contain("(after the Windows fixups)").And.Not.Contain("(fixed)"), how);
            string folder = _folder.File($"ova-{how}-{format}");
            string disk = Directory.GetFiles(folder, $"*-disk1.{format}").Single();
            var vmJson = JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(folder, "*.vm.json").Single())).RootElement;
            var described = vmJson.EnumerateObject().Any(p => p.Name == "disks") ? vmJson.GetProperty("disks")[0] : vmJson[0].GetProperty("disks")[0];
            AssertFixed(disk, format, described.GetProperty("digest").GetString()!, described.GetProperty("outputDigest").GetString()!);
        }
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
        // "fixed" alone would read as a fixed-size VHDX to a Hyper-V admin; the step is dynamic.
        Assert.That(result.StdOut, Does.Contain("win.vhdx (fixups applied)").And.Not.Contain("(fixed)"));
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
    public void a_2003_guest_without_integration_services_is_not_failed_for_scsi_boot_which_only_blocked_generation_2_needs()
    {
        // Server 2003 boots from IDE on generation 1 and never on generation 2: without vmbus and
        // storvsc, scsi-boot cannot be applied, and once failed every --fixups on and v2v fix (exit 4).
        string raw = new WindowsGuestFixture
        {
            SystemEdits = WindowsGuestFixture.RaidServer2003Edits + "\n[-HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\vmbus]\n\n[-HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\storvsc]\n\n",
            Drivers = ["atapi.sys", "intelide.sys", "pciide.sys", "pciidex.sys", "megasas.sys", "disk.sys"],
        }.Build(_folder.Path, "no-vmbus.img");

        var on = CliRunner.Run("convert", raw, _folder.File("no-vmbus-on.vhdx"), "--fixups", "on", "--no-progress");
        Assert.That(on.ExitCode, Is.EqualTo(0), on.StdErr + on.StdOut);
        Assert.That(on.StdOut, Does.Contain("guest     scsi-boot: not-applied (only a blocked generation needs it)").And.Contain("guest     ide-boot: applied"));
        Assert.That(on.StdOut, Does.Not.Contain("warning"));

        string later = _folder.File("no-vmbus-later.vhdx");
        Assert.That(CliRunner.Run("convert", raw, later, "--fixups", "off", "--no-progress").ExitCode, Is.EqualTo(0));
        var fix = CliRunner.Run("fix", later);
        Assert.That(fix.ExitCode, Is.EqualTo(0), fix.StdErr + fix.StdOut);
        Assert.That(Get(Cat(Back(later), "WINDOWS/system32/config/system"), Cs + @"\services\atapi", "Start"), Is.EqualTo("0"));
    }

    private string Back(string vhdx)
    {
        string back = vhdx + ".back.raw";
        QemuImg.Convert(vhdx, "vhdx", back, "raw");
        return back;
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

    /// <summary>
    /// The independent checks of a fixed target: both digests against <c>v2v info</c> and the journal,
    /// the undo .reg's UTF-16 BOM, then on qemu-img's raw copy of the target hivexget's reading of the
    /// SYSTEM hive ntfscat returns (the IDE boot drivers, AutoReboot, every journaled DWORD), ntfsfix -n,
    /// and every changed byte inside a journaled range.
    /// </summary>
    private void AssertFixed(string target, string format, string sourceDigest, string outputDigest)
    {
        Assert.That(outputDigest, Is.Not.EqualTo(sourceDigest));
        Assert.That(Digest(target), Is.EqualTo(outputDigest), "v2v info --digest of the output");
        Assert.That(Digest(_raw), Is.EqualTo(sourceDigest), "v2v info --digest of the source");
        var journal = JsonDocument.Parse(File.ReadAllText(target + ".fixups.json")).RootElement;
        Assert.That(journal.GetProperty("source-digest").GetString(), Is.EqualTo(sourceDigest));
        Assert.That(journal.GetProperty("output-digest").GetString(), Is.EqualTo(outputDigest));
        Assert.That(File.ReadAllBytes(target + ".undo.reg").AsSpan(0, 2).ToArray(), Is.EqualTo(new byte[] { 0xFF, 0xFE }));

        string back = target + ".back.raw";
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

        Assert.That(ExternalTool.Ok("ntfsfix", "-n", GuestDiskOracles.Partition(back)), Does.Contain("processed successfully"));
        var ranges = journal.GetProperty("disk").EnumerateArray()
            .Select(r => (r.GetProperty("offset").GetInt64(), r.GetProperty("length").GetInt64(), r.GetProperty("original").GetString()!));
        Assert.That(GuestDiskOracles.AssertDifferencesJournaled(_raw, back, ranges), Is.GreaterThan(0));
    }

    private static string Cat(string disk, string path) => GuestDiskOracles.NtfsCat(disk, path);

    private static string Get(string hive, string key, string value) => GuestDiskOracles.HivexGet(hive, key, value);
}
