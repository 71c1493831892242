using System.Text.Json;
using V2V.Cli;
using V2V.Core.Formats;
using V2V.Core.Pipeline;
using V2V.Guest.Devices;
using V2V.Guest.Fixups;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Undo;

/// <summary>
/// <c>v2v guest undo</c> and <c>v2v compare --journal</c> on a Windows guest disk
/// (<see cref="WindowsGuestFixture"/>, Disk2vhd boot.ini) fixed by <see cref="WindowsFixups"/>, its
/// journal and undo .reg written beside VHDX and VHD files that qemu-img made of it. Oracles:
/// qemu-img compare of the undone image with the original raw disk and qemu-img check; every
/// refusal leaves the image byte for byte as it was.
/// </summary>
[TestFixture]
public sealed class GuestUndoTests
{
    private TempFolder _folder = null!;
    private string _original = null!;
    private string _fixed = null!;
    private FixupJournal _journal = null!;

    [OneTimeSetUp]
    public void FixAGuest()
    {
        ExternalTool.Require("qemu-img");
        _folder = new TempFolder();
        _original = new WindowsGuestFixture { BootIni = WindowsGuestFixture.Disk2vhdBootIni }.Build(_folder.Path, "original.img");
        _fixed = _folder.File("fixed.img");
        File.Copy(_original, _fixed);
        FixupJournal journal;
        using (var device = FileBlockDevice.Open(_fixed))
        {
            journal = WindowsFixups.Apply(device, FixupOptions.Default, 0x01DB_2222_0000_0000);
        }

        Assert.That(journal.Disk, Is.Not.Empty);
        _journal = journal with { SourceDigest = Digest(_original), OutputDigest = Digest(_fixed), SourceCapacity = new FileInfo(_original).Length };
    }

    [OneTimeTearDown]
    public void Remove() => _folder?.Dispose();

    [TestCase("vhdx", "subformat=dynamic")]
    [TestCase("vhdx", "subformat=fixed")]
    [TestCase("vpc", "subformat=dynamic")]
    public void undo_gives_back_the_source_in_the_same_format_and_removes_the_journal(string format, string options)
    {
        string target = Target(_fixed, format, options);
        string before = ExternalTool.Ok("qemu-img", "info", "-f", format, target);
        Assert.That(ExternalTool.Run("qemu-img", "compare", "-f", "raw", "-F", format, _original, target).ExitCode, Is.EqualTo(1), "the fixups changed the disk");

        var result = CliRunner.Run("guest", "undo", target);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdOut, Does.Contain($"undone {target}").And.Contain(_journal.SourceDigest!));
        QemuImg.AssertIdentical(_original, "raw", target, format);
        if (format == "vhdx")
        {
            QemuImg.AssertChecks(target, format);
        }

        string after = ExternalTool.Ok("qemu-img", "info", "-f", format, target);
        Assert.That(Line(after, "virtual size"), Is.EqualTo(Line(before, "virtual size")));
        Assert.That(Line(after, "cluster_size"), Is.EqualTo(Line(before, "cluster_size")));
        Assert.That(File.Exists(FixupJournalFile.JournalPathOf(target)), Is.False);
        Assert.That(File.Exists(FixupJournalFile.UndoRegPathOf(target)), Is.False);
        Assert.That(File.Exists(target + ".partial"), Is.False);
    }

    [Test]
    public void undo_refuses_an_image_changed_after_its_fixups_and_leaves_it_and_its_journal_alone()
    {
        string started = _folder.File("started.img");
        File.Copy(_fixed, started, overwrite: true);
        using (var file = File.OpenWrite(started))
        {
            file.Position = 30L << 20; // inside the volume, far from the journaled ranges: a guest that ran
            file.Write("written by the running guest"u8);
        }

        string target = Target(started, "vhdx", "subformat=dynamic");
        var bytes = File.ReadAllBytes(target);
        var result = CliRunner.Run("guest", "undo", target);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.StdOut);
        Assert.That(result.StdErr, Does.StartWith($"error: {target}: undo refused: the image changed after its fixups").And.Contain(".undo.reg"));
        Assert.That(File.ReadAllBytes(target), Is.EqualTo(bytes));
        Assert.That(File.Exists(FixupJournalFile.JournalPathOf(target)), Is.True);
        Assert.That(File.Exists(target + ".partial"), Is.False);
    }

    [Test]
    public void compare_with_the_journal_ignores_the_journaled_ranges_and_names_the_first_difference_outside_them()
    {
        string target = Target(_fixed, "vhdx", "subformat=dynamic");
        string journal = FixupJournalFile.JournalPathOf(target);
        var plain = CliRunner.Run("compare", _original, target);
        Assert.That(plain.ExitCode, Is.EqualTo(1));
        long first = long.Parse(plain.StdOut.Split("at offset ")[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(_journal.Disk.Any(d => first >= d.Offset && first < d.Offset + d.Length), Is.True, "without the journal the first difference is a journaled one");

        var with = CliRunner.Run("compare", _original, target, "--journal", journal);
        Assert.That(with.ExitCode, Is.EqualTo(0), with.StdOut + with.StdErr);
        Assert.That(with.StdOut, Does.Contain($"but for the {_journal.Disk.Count} ranges"));

        string changed = _folder.File("changed.img");
        File.Copy(_fixed, changed, overwrite: true);
        const long Offset = (29L << 20) + 77;
        using (var file = File.OpenWrite(changed))
        {
            file.Position = Offset;
            file.WriteByte(0xA5);
        }

        string changedTarget = Target(changed, "vhdx", "subformat=dynamic");
        var outside = CliRunner.Run("compare", _original, changedTarget, "--journal", FixupJournalFile.JournalPathOf(changedTarget));
        Assert.That(outside.ExitCode, Is.EqualTo(1));
        Assert.That(outside.StdOut, Does.Contain($"content differs at offset {Offset}, outside the journal's ranges"));

        // The source's digest against the target as it was before its fixups.
        var digest = CliRunner.Run("compare", _journal.SourceDigest!, target, "--journal", journal);
        Assert.That(digest.ExitCode, Is.EqualTo(0), digest.StdOut + digest.StdErr);
    }

    /// <summary>Issue 18 item 4: the undo .reg is what regedit writes and hivex's .reg reader takes it, re-encoded as hivexregedit(1) documents.</summary>
    [Test]
    public void the_undo_reg_is_a_regedit_file_that_hivexregedit_merges_back_to_every_old_value()
    {
        ExternalTool.Require("hivexregedit");
        ExternalTool.Require("ntfscat");
        ExternalTool.Require("file");
        string reg = _folder.File("undo.reg");
        File.WriteAllBytes(reg, UndoRegFile.Bytes(_journal));
        Assert.That(ExternalTool.Ok("file", "-b", reg).Trim(), Is.EqualTo("Windows Registry little-endian text (Win2K or above)"));
        Assert.That(ExternalTool.Ok("file", "-b", "--mime-encoding", reg).Trim(), Is.EqualTo("utf-16le"));
        string text = System.Text.Encoding.Unicode.GetString(File.ReadAllBytes(reg)[2..]);
        Assert.That(text.Replace("\r\n", "", StringComparison.Ordinal), Does.Not.Contain('\n').And.Not.Contain('\r'), "every line ends in CRLF, as regedit writes");
        Assert.That(text, Does.EndWith("\r\n"));

        string linuxReg = _folder.File("undo-utf8.reg");
        ExternalTool.Ok("sh", "-c", $"iconv -f UTF-16 -t UTF-8 < '{reg}' | sed 's/\\r$//' > '{linuxReg}'");
        string originalHive = HiveOf(_original, "original");
        string merged = HiveOf(_fixed, "merged");
        ExternalTool.Ok("hivexregedit", "--merge", "--prefix", UndoRegFile.Root, merged, linuxReg);

        Assert.That(_journal.Registry, Is.Not.Empty);
        foreach (var change in _journal.Registry)
        {
            var before = ExternalTool.Run("hivexget", originalHive, "\\" + change.Key, change.Value);
            var after = ExternalTool.Run("hivexget", merged, "\\" + change.Key, change.Value);
            Assert.That((after.ExitCode, after.StdOut), Is.EqualTo((before.ExitCode, before.StdOut)), $"{change.Key}\\{change.Value}");
        }

        Assert.That(_journal.CreatedKeys, Is.Not.Empty);
        foreach (string key in _journal.CreatedKeys)
        {
            Assert.That(ExternalTool.Run("hivexget", merged, "\\" + key).ExitCode, Is.Not.EqualTo(0), $"{key} is deleted again");
        }

        Assert.That(ExternalTool.Ok("hivexget", merged, @"\ControlSet001\Services\atapi", "Start").Trim(), Is.EqualTo("3"));
    }

    [TestCase("truncated", "is not a fixup journal")]
    [TestCase("past-end", "is not inside the")]
    [TestCase("overlap", "ascending and disjoint")]
    [TestCase("short-base64", "are not 512 bytes of base64")]
    [TestCase("version", "fixup journal version 9")]
    [TestCase("no-disk", "a list")]
    [TestCase("null", "holds null")]
    [TestCase("unknown-digest", "is a md5-1m digest")]
    [TestCase("no-digest", "has no source-digest")]
    [TestCase("huge", "a fixup journal is at most")]
    [TestCase("not-stored", "stores no data")]
    public void a_hostile_journal_is_refused_with_one_error_naming_it_and_nothing_changes(string damage, string message)
    {
        string folder = Directory.CreateDirectory(_folder.File("hostile-" + damage)).FullName;
        string target = Path.Combine(folder, "disk.raw");
        using (var file = File.Create(target))
        {
            file.SetLength(8L << 20);
            file.Write(new byte[4096].Select((_, i) => (byte)(i + 1)).ToArray());
        }

        var range = new DiskChange(0, 512, Convert.ToBase64String(new byte[512]));
        var journal = new FixupJournal(1, 0, [], [], [], [], [range]) { SourceDigest = "xxh128-1m:" + new string('0', 32) };
        string json = damage switch
        {
            "past-end" => Json(journal with { Disk = [range with { Offset = (8L << 20) - 256 }] }),
            "overlap" => Json(journal with { Disk = [range, range with { Offset = 256 }] }),
            "short-base64" => Json(journal with { Disk = [range with { Original = Convert.ToBase64String(new byte[500]) }] }),
            "version" => Json(journal with { Version = 9 }),
            "no-disk" => Json(journal).Replace("\"disk\"", "\"disk-gone\"", StringComparison.Ordinal),
            "null" => "null",
            "unknown-digest" => Json(journal with { SourceDigest = "md5-1m:" + new string('0', 32) }),
            "no-digest" => Json(journal with { SourceDigest = null }),
            "not-stored" => Json(journal with { Disk = [range with { Offset = 5L << 20 }] }),
            _ => Json(journal),
        };
        string journalPath = FixupJournalFile.JournalPathOf(target);
        File.WriteAllText(journalPath, damage == "truncated" ? json[..(json.Length / 2)] : json);
        if (damage == "huge")
        {
            using var file = File.OpenWrite(journalPath);
            file.SetLength(FixupJournalFile.MaxBytes + 1);
        }

        var before = File.ReadAllBytes(target);
        var undo = CliRunner.Run("guest", "undo", target);
        Assert.That(undo.ExitCode, Is.EqualTo(2), undo.StdOut);
        Assert.That(undo.StdErr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(undo.StdErr, Does.StartWith("error: ").And.Contain(damage == "not-stored" ? journalPath : "disk.raw.fixups.json").And.Contain(message));
        Assert.That(File.ReadAllBytes(target), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName), Is.EquivalentTo(new[] { "disk.raw", "disk.raw.fixups.json" }));

        if (damage is not ("no-digest" or "not-stored"))
        {
            var compare = CliRunner.Run("compare", target, target, "--journal", journalPath);
            Assert.That(compare.ExitCode, Is.EqualTo(2), compare.StdOut);
            Assert.That(compare.StdErr, Does.StartWith("error: ").And.Contain("disk.raw.fixups.json"));
        }
    }

    [Test]
    public void undo_without_a_journal_says_there_is_nothing_to_undo()
    {
        string target = _folder.File("plain.raw");
        File.WriteAllBytes(target, new byte[1 << 20]);
        var result = CliRunner.Run("guest", "undo", target);
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StdErr, Does.StartWith($"error: {target}.fixups.json: no fixup journal there"));
    }

    /// <summary>qemu-img's copy of <paramref name="raw"/> with the journal and undo .reg beside it, as a conversion leaves them.</summary>
    private string Target(string raw, string format, string options)
    {
        string target = _folder.File($"{Path.GetFileNameWithoutExtension(raw)}-{options.Replace('=', '-')}.{(format == "vpc" ? "vhd" : format)}");
        File.Delete(target);
        QemuImg.Convert(raw, "raw", target, format, "-o", options);
        File.WriteAllText(FixupJournalFile.JournalPathOf(target), Json(_journal));
        File.WriteAllBytes(FixupJournalFile.UndoRegPathOf(target), UndoRegFile.Bytes(_journal));
        return target;
    }

    /// <summary>The SYSTEM hive of a fixture disk as ntfscat reads it from the volume at 1 MiB.</summary>
    private string HiveOf(string disk, string name)
    {
        string volume = _folder.File(name + ".volume");
        string hive = _folder.File(name + ".SYSTEM");
        ExternalTool.Ok("dd", $"if={disk}", $"of={volume}", "bs=1M", "skip=1", "status=none");
        ExternalTool.Ok("sh", "-c", $"ntfscat '{volume}' /WINDOWS/system32/config/system > '{hive}'");
        return hive;
    }

    private static string Json(FixupJournal journal) => JsonSerializer.Serialize(journal, FixupJournalJson.Default.FixupJournal);

    private static string Line(string info, string key) => info.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith(key, StringComparison.Ordinal)) ?? "";

    private static string Digest(string raw)
    {
        using var disk = FormatCatalog.Create().Open(raw, SourceOptions.Default);
        return BlockPipeline.DigestAsync(disk, disk.Capacity, new PipelineOptions(), null, CancellationToken.None).GetAwaiter().GetResult().Digest;
    }
}
