using System.Text;
using System.Text.Json;
using V2V.Guest.Devices;
using V2V.Guest.Fixups;
using V2V.Guest.Inspection;
using V2V.Guest.Ntfs;
using V2V.Guest.Partitions;
using V2V.Guest.Registry;
using V2V.Guest.Tests.Registry;
using V2V.Guest.Windows;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Writing;

/// <summary>
/// The fixups on a minimal Windows disk built by make-windows-disk.sh around the real Windows 7
/// SYSTEM hive (a VMware guest), edited with hivexregedit to boot like a 2003 server from another
/// controller (atapi/intelide Start=3, the PIIX4 CDDB entry removed, storvsc overridden off, a
/// VMware mouse filter listed). Oracles: hivex's reading of the hive ntfscat returns differs from
/// the original exactly by the journal; ntfsfix -n is clean; every changed disk byte is in a
/// journaled range; the undo .reg merged by hivexregedit and the offline undo restore the original.
/// </summary>
[TestFixture]
public sealed class WindowsFixupsTests
{
    private const long Stamp = 0x01DB_1111_0000_0000;
    private const string Cs = @"ControlSet001";
    private const int VolumeMiB = 40;
    private const string MouseClass = @"ControlSet001\Control\Class\{4D36E96F-E325-11CE-BFC1-08002BE10318}";
    private TempFolder _folder = null!;
    private string _hive = null!;

    [OneTimeSetUp]
    public void EditHive()
    {
        foreach (var tool in new[] { "mkntfs", "ntfs-3g", "ntfscat", "ntfsfix", "sfdisk", "hivexregedit", "hivexget" })
        {
            ExternalTool.Require(tool);
        }

        _folder = new TempFolder();
        _hive = HiveSamples.CopyTo("regipy/SYSTEM.xz", _folder.Path, "SYSTEM-2003like");
        string filters = string.Join(",", Encoding.Unicode.GetBytes("vmmouse\0mouclass\0\0").Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        string reg = _folder.File("edit.reg");
        File.WriteAllText(reg, string.Join("\r\n",
            "Windows Registry Editor Version 5.00", "",
            @"[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\services\atapi]", "\"Start\"=dword:00000003", "",
            @"[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\services\intelide]", "\"Start\"=dword:00000003", "",
            @"[-HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\CriticalDeviceDatabase\pci#ven_8086&dev_7111]", "",
            @"[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\services\storvsc\StartOverride]", "\"0\"=dword:00000003", "",
            $@"[HKEY_LOCAL_MACHINE\SYSTEM\{MouseClass}]", $"\"UpperFilters\"=hex(7):{filters}", "") + "\r\n", new UTF8Encoding(false));
        ExternalTool.Ok("hivexregedit", "--merge", "--prefix", @"HKEY_LOCAL_MACHINE\SYSTEM", _hive, reg);
    }

    [OneTimeTearDown]
    public void Remove() => _folder?.Dispose();

    [Test]
    public void every_fixup_applies_and_the_journal_is_exactly_what_changed_and_undoes_it()
    {
        string disk = BuildDisk("full", "");
        string original = disk + ".orig";
        File.Copy(disk, original);
        FixupJournal journal;
        using (var device = FileBlockDevice.Open(disk))
        {
            journal = WindowsFixups.Apply(device, new FixupOptions([], ["intelppm"]), Stamp);
        }

        Assert.That(journal.Fixups.Select(f => (f.Name, f.Status)), Is.EqualTo(FixupNames.All.Select(n => (n, "applied"))), Describe(journal));
        string fixedHive = Cat(disk, @"Windows/System32/config/SYSTEM");
        Assert.That(Get(fixedHive, Cs + @"\services\atapi", "Start"), Is.EqualTo("0"));
        Assert.That(Get(fixedHive, Cs + @"\services\intelide", "Start"), Is.EqualTo("0"));
        Assert.That(Get(fixedHive, Cs + @"\Control\CriticalDeviceDatabase\pci#ven_8086&dev_7111", "Service"), Is.EqualTo("intelide"));
        Assert.That(Get(fixedHive, Cs + @"\services\storvsc", "Start"), Is.EqualTo("0"));
        Assert.That(Get(fixedHive, Cs + @"\services\VMTools", "Start"), Is.EqualTo("4"));
        Assert.That(Get(fixedHive, Cs + @"\services\intelppm", "Start"), Is.EqualTo("4"));
        Assert.That(Get(fixedHive, Cs + @"\Control\CrashControl", "AutoReboot"), Is.EqualTo("0"));
        Assert.That(Get(fixedHive, MouseClass, "UpperFilters"), Is.EqualTo("mouclass"));
        Assert.That(Encoding.Latin1.GetString(File.ReadAllBytes(Cat(disk, "boot.ini"))).Split("\r\n")[4], Does.EndWith("\"Windows Server 2003, Enterprise\" /fastdetect"));

        var (added, removed) = Difference(_hive, fixedHive);
        Assert.That(added, Is.EquivalentTo(journal.Registry.Where(c => c.NewData is not null).Select(c => ValueLine(c.Key, c.Value, c.NewType!, c.NewData!))
            .Concat(journal.CreatedKeys.Select(KeyLine))));
        Assert.That(removed, Is.EquivalentTo(journal.Registry.Where(c => c.OldData is not null).Select(c => ValueLine(c.Key, c.Value, c.OldType!, c.OldData!))));
        Assert.That(ExternalTool.Ok("ntfsfix", "-n", Partition(disk)), Does.Contain("processed successfully"));
        AssertDifferencesJournaled(original, disk, journal);

        // The journal survives JSON; its .reg undo, merged by hivex, brings the old values back.
        string json = JsonSerializer.Serialize(journal, FixupJournalJson.Default.FixupJournal);
        var reread = JsonSerializer.Deserialize(json, FixupJournalJson.Default.FixupJournal)!;
        var undoReg = UndoRegFile.Bytes(reread);
        Assert.That(undoReg.AsSpan(0, 2).ToArray(), Is.EqualTo(new byte[] { 0xFF, 0xFE }));
        Assert.That(Encoding.Unicode.GetString(undoReg, 2, undoReg.Length - 2), Does.StartWith("Windows Registry Editor Version 5.00\r\n\r\n["));
        // hivexregedit reads .reg files as 8-bit text: iconv turns regedit's UTF-16LE into UTF-8 for it.
        string undoFile = _folder.File("undo.reg");
        File.WriteAllBytes(undoFile, undoReg);
        ExternalTool.Ok("bash", "-c", $"tail -c +3 '{undoFile}' | iconv -f utf-16le -t utf-8 > '{undoFile}.utf8'");
        string merged = _folder.File("merged");
        File.Copy(fixedHive, merged);
        ExternalTool.Ok("hivexregedit", "--merge", "--prefix", @"HKEY_LOCAL_MACHINE\SYSTEM", merged, undoFile + ".utf8");
        var (stillAdded, stillRemoved) = Difference(_hive, merged);
        Assert.That(stillAdded, Is.Empty);
        Assert.That(stillRemoved, Is.Empty);

        using (var device = FileBlockDevice.Open(disk))
        {
            FixupUndo.Apply(device, reread);
        }

        Assert.That(File.ReadAllBytes(disk).AsSpan().SequenceEqual(File.ReadAllBytes(original)), Is.True, "the offline undo gives the original disk back");
    }

    [Test]
    public void a_missing_ide_driver_file_leaves_the_ide_fix_unapplied_and_names_the_file_to_copy()
    {
        string disk = BuildDisk("missing", "pciidex.sys");
        using var device = FileBlockDevice.Open(disk);
        var journal = WindowsFixups.Apply(device, FixupOptions.Default, Stamp);
        var ide = journal.Fixups.Single(f => f.Name == FixupNames.IdeBoot);
        Assert.That(ide.Status, Is.EqualTo("not-applied"));
        Assert.That(ide.Details.Single(), Does.Contain("pciidex.sys").And.Contain("driver.cab"));
        Assert.That(journal.Registry.Where(c => c.Key.Contains(@"\atapi", StringComparison.OrdinalIgnoreCase)), Is.Empty);
        Assert.That(journal.Fixups.Single(f => f.Name == FixupNames.CrashAutoReboot).Status, Is.EqualTo("applied"));
    }

    [Test]
    public void skipped_fixups_change_nothing_and_a_guest_needing_nothing_is_not_written()
    {
        string disk = BuildDisk("skipped", "");
        var before = File.ReadAllBytes(disk);
        using var device = FileBlockDevice.Open(disk);
        var journal = WindowsFixups.Apply(device, new FixupOptions(FixupNames.All.Where(n => n != FixupNames.CrashAutoReboot).ToList(), []), Stamp);
        Assert.That(journal.Fixups.Count(f => f.Status == "skipped"), Is.EqualTo(5));
        Assert.That(journal.Registry.Select(c => c.Key + "\\" + c.Value), Is.EqualTo(new[] { Cs + @"\Control\CrashControl\AutoReboot" }));

        var again = WindowsFixups.Apply(device, new FixupOptions(FixupNames.All.Where(n => n != FixupNames.CrashAutoReboot).ToList(), []), Stamp);
        Assert.That(again.Fixups.Single(f => f.Name == FixupNames.CrashAutoReboot).Status, Is.EqualTo("not-needed"));
        Assert.That(again.Disk, Is.Empty);
        Assert.That(journal.Disk, Is.Not.Empty);
        Assert.That(before.Length, Is.EqualTo(device.Capacity));
    }

    [Test]
    public void the_fix_edits_the_hive_the_inspection_read_and_writes_the_same_disk_as_reading_it_again()
    {
        string readAgain = BuildDisk("read-again", "");
        string handedOver = readAgain + ".handed-over";
        File.Copy(readAgain, handedOver);
        FixupJournal expected;
        using (var device = FileBlockDevice.Open(readAgain))
        {
            expected = WindowsFixups.Apply(device, FixupOptions.Default, Stamp);
        }

        var handOff = new SystemHiveHandOff(WindowsFixups.SpareHiveBytes);
        FixupJournal journal;
        using (var device = FileBlockDevice.Open(handedOver))
        {
            GuestInspector.Inspect(new DeviceDiskSource(device), null, handOff);
            journal = WindowsFixups.Apply(device, FixupOptions.Default, Stamp, handOff);
        }

        Assert.That(handOff.Taken, Is.True, "the fix took the inspection's image");
        Assert.That(JsonSerializer.Serialize(journal, FixupJournalJson.Default.FixupJournal), Is.EqualTo(JsonSerializer.Serialize(expected, FixupJournalJson.Default.FixupJournal)));
        Assert.That(File.ReadAllBytes(handedOver).AsSpan().SequenceEqual(File.ReadAllBytes(readAgain)), Is.True, "the same bytes on disk");
        Assert.That(Get(Cat(handedOver, @"Windows/System32/config/SYSTEM"), Cs + @"\services\atapi", "Start"), Is.EqualTo("0"));
    }

    [Test]
    public void a_hive_changed_on_disk_after_the_inspection_is_read_again_and_the_change_is_kept()
    {
        string disk = BuildDisk("changed", "");
        var handOff = new SystemHiveHandOff(WindowsFixups.SpareHiveBytes);
        FixupJournal journal;
        using (var device = FileBlockDevice.Open(disk))
        {
            var source = new DeviceDiskSource(device);
            GuestInspector.Inspect(source, null, handOff);

            // Something else edits the hive between the inspection and the fix.
            var windows = WindowsSystemVolume.Find(source, PartitionTable.Read(source))!.Value;
            var writer = NtfsWriter.Open(device, windows.Volume.Offset, windows.Volume.Length);
            var edit = HiveWriter.Open(VolumeHive.Open(writer.Volume, WindowsSystemVolume.SystemHivePath, "SYSTEM"), Stamp);
            edit.SetValue(Cs + @"\Control\ComputerName\ComputerName", "ComputerName", RegistryValueType.String, Encoding.Unicode.GetBytes("EDITED\0"));
            writer.ReplaceContent(WindowsSystemVolume.SystemHivePath, edit.Commit().Span);

            journal = WindowsFixups.Apply(device, FixupOptions.Default, Stamp, handOff);
        }

        Assert.That(handOff.Taken, Is.False, "the inspection's image is stale: the fix read the hive again");
        Assert.That(journal.Fixups.Single(f => f.Name == FixupNames.IdeBoot).Status, Is.EqualTo("applied"));
        string fixedHive = Cat(disk, @"Windows/System32/config/SYSTEM");
        Assert.That(Get(fixedHive, Cs + @"\Control\ComputerName\ComputerName", "ComputerName"), Is.EqualTo("EDITED"), "the edit made after the inspection survives the fix");
        Assert.That(Get(fixedHive, Cs + @"\services\atapi", "Start"), Is.EqualTo("0"));
        Assert.That(ExternalTool.Ok("ntfsfix", "-n", Partition(disk)), Does.Contain("processed successfully"));
    }

    private string BuildDisk(string name, string leaveOut)
    {
        string folder = Directory.CreateDirectory(_folder.File(name)).FullName;
        ExternalTool.Ok("bash", Path.Combine(RepositoryPaths.Root, "tests", "V2V.Guest.Tests", "Writing", "make-windows-disk.sh"), folder, _hive, leaveOut);
        return Path.Combine(folder, "disk.img");
    }

    /// <summary>The disk's NTFS partition (its first 40 MiB: the whole volume) as an image file.</summary>
    private static string Partition(string disk) => GuestDiskOracles.Partition(disk, VolumeMiB);

    private static string Cat(string disk, string path) => GuestDiskOracles.NtfsCat(disk, path, VolumeMiB);

    private static string Get(string hive, string key, string value) => GuestDiskOracles.HivexGet(hive, key, value);

    private static void AssertDifferencesJournaled(string original, string changed, FixupJournal journal) =>
        GuestDiskOracles.AssertDifferencesJournaled(original, changed, journal.Disk.Select(r => (r.Offset, r.Length, r.Original)));

    private static string Describe(FixupJournal journal) =>
        string.Join("\n", journal.Fixups.Select(f => $"{f.Name}: {f.Status} {string.Join("; ", f.Details)}"));

    private static string Hex(string text) => Convert.ToHexStringLower(Encoding.Unicode.GetBytes(text));

    private static string KeyLine(string key) => "K /" + string.Join("/", key.Split('\\').Select(Hex));

    private static string ValueLine(string key, string value, string type, string data) =>
        $"{KeyLine(key)} V {Hex(value)} {TypeNumber(type)} {data}";

    private static int TypeNumber(string type) => type switch { "REG_SZ" => 1, "REG_EXPAND_SZ" => 2, "REG_BINARY" => 3, "REG_DWORD" => 4, "REG_MULTI_SZ" => 7, _ => -1 };

    /// <summary>hivex lines (key path + value) in the second hive and not the first, and the reverse; key paths compared ignoring case.</summary>
    private static (string[] Added, string[] Removed) Difference(string first, string second)
    {
        static HashSet<string> Lines(string hive)
        {
            var lines = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            string key = "";
            foreach (string line in HiveSamples.HivexDump(hive))
            {
                key = line.StartsWith("K ", StringComparison.Ordinal) ? line[..line.LastIndexOf(' ')] : key;
                lines.Add(line.StartsWith("K ", StringComparison.Ordinal) ? key : key + " " + line);
            }

            return lines;
        }

        var before = Lines(first);
        var after = Lines(second);
        return (after.Except(before, StringComparer.OrdinalIgnoreCase).ToArray(), before.Except(after, StringComparer.OrdinalIgnoreCase).ToArray());
    }
}
