using System.Buffers.Binary;
using System.Text;
using V2V.Guest.Registry;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Registry;

/// <summary>
/// The hive writer against hivex: after each edit, hivex's reading of the committed file differs
/// from its reading of the original by exactly the edited keys and values (timestamps aside),
/// hivexget shows the written values and hivexsh opens the file without complaint.
/// </summary>
[TestFixture]
public sealed class HiveWriterTests
{
    private const string Services = @"ControlSet001\services"; // as this hive spells it
    private const string Cddb = @"ControlSet001\Control\CriticalDeviceDatabase";
    private const long Stamp = 0x01DB_0000_0000_0000;
    private TempFolder _folder = null!;

    [SetUp]
    public void Create() => _folder = new TempFolder();

    [TearDown]
    public void Remove() => _folder.Dispose();

    [Test]
    public void edits_of_a_real_windows_7_system_hive_with_few_free_cells_are_exactly_what_hivex_reads()
    {
        string original = HiveSamples.CopyTo("regipy/SYSTEM.xz", _folder.Path);
        var writer = HiveWriter.Open(RegistryHive.OpenFile(original), Stamp);
        writer.SetValue(Services + @"\pciide", "Start", RegistryValueType.Dword, RegistryData.Dword(0));
        writer.SetValue(Services + @"\pciide", "Group", RegistryValueType.String, RegistryData.Text("System Bus Extender, longer than the old cell holds"));
        writer.SetValue(Services + @"\atapi", "DisplayName", RegistryValueType.String, RegistryData.Text("IDE"));
        Assert.That(writer.DeleteValue(Services + @"\atapi", "Tag"), Is.True);
        Assert.That(writer.CreateKey(Cddb + @"\pci#ven_8086&dev_0001"), Is.True);
        Assert.That(writer.CreateKey(Cddb + @"\pci#ven_8086&dev_0001"), Is.False);
        writer.SetValue(Cddb + @"\pci#ven_8086&dev_0001", "Service", RegistryValueType.String, RegistryData.Text("intelide"));
        writer.SetValue(Cddb + @"\pci#ven_8086&dev_0001", "ClassGUID", RegistryValueType.String, RegistryData.Text("{4D36E96A-E325-11CE-BFC1-08002BE10318}"));
        Assert.That(writer.CreateKey(Services + @"\v2vtest\Parameters\Deep"), Is.True);
        writer.SetValue(Services + @"\v2vtest", "Names", RegistryValueType.MultiString, RegistryData.MultiString(["a", "bc"]));
        string edited = Commit(writer, "edited");

        // This hive has 117 free cells (4608 bytes, the largest 3680): the new keys and values fit
        // there, the rewritten leaf of CriticalDeviceDatabase's index root (thousands of keys) does not.
        Assert.That(writer.Grown, Is.InRange(4096, 8192));
        Assert.That(new FileInfo(edited).Length, Is.EqualTo(new FileInfo(original).Length + writer.Grown));
        var (added, removed) = Difference(original, edited);
        Assert.That(removed, Is.EquivalentTo(new[]
        {
            V("pciide", "Start", 4, "03000000"), V("pciide", "Group", 1, Sz("System Bus Extender")),
            V("atapi", "DisplayName", 1, Sz("IDE Channel")), V("atapi", "Tag", 4, "21000000"),
        }));
        Assert.That(added, Is.EquivalentTo(new[]
        {
            V("pciide", "Start", 4, "00000000"), V("pciide", "Group", 1, Sz("System Bus Extender, longer than the old cell holds")),
            V("atapi", "DisplayName", 1, Sz("IDE")),
            K(Cddb + @"\pci#ven_8086&dev_0001"),
            Line(Cddb + @"\pci#ven_8086&dev_0001", "Service", 1, Sz("intelide")),
            Line(Cddb + @"\pci#ven_8086&dev_0001", "ClassGUID", 1, Sz("{4D36E96A-E325-11CE-BFC1-08002BE10318}")),
            K(Services + @"\v2vtest"), K(Services + @"\v2vtest\Parameters"), K(Services + @"\v2vtest\Parameters\Deep"),
            V("v2vtest", "Names", 7, Convert.ToHexStringLower(Encoding.Unicode.GetBytes("a\0bc\0\0"))),
        }));
        Assert.That(ExternalTool.Ok("hivexget", edited, @"\" + Services + @"\pciide", "Start").Trim(), Is.EqualTo("0"));
        Assert.That(ExternalTool.Ok("hivexget", edited, @"\" + Cddb + @"\pci#ven_8086&dev_0001", "Service").Trim(), Is.EqualTo("intelide"));
        AssertHivexshOpens(edited, @"\" + Services + @"\v2vtest\Parameters\Deep");
    }

    [Test]
    public void new_keys_sit_in_windows_sorted_order_in_lh_lists_and_index_roots_with_the_parent_security_shared()
    {
        string original = HiveSamples.CopyTo("regipy/SYSTEM.xz", _folder.Path);
        var hive = RegistryHive.OpenFile(original);
        int cddbCount = hive.OpenKey(Cddb)!.Subkeys.Count;
        var writer = HiveWriter.Open(hive, Stamp);
        string[] names = ["zzz_last", "AAA_first", "pci#VEN_8086&dev_7111x", "Middle_Key", "_under"];
        foreach (string name in names)
        {
            writer.CreateKey(Cddb + "\\" + name);
            writer.CreateKey(Services + "\\" + name);
        }

        string edited = Commit(writer, "edited");
        var reread = RegistryHive.OpenFile(edited);
        foreach (string parent in new[] { Cddb, Services })
        {
            var children = reread.OpenKey(parent)!.Subkeys.Select(k => k.Name).ToList();
            Assert.That(children, Is.EqualTo(children.OrderBy(n => n.ToUpperInvariant(), StringComparer.Ordinal).ToList()), parent);
            Assert.That(children, Is.SupersetOf(names));
            string hivex = ExternalTool.Ok("hivexsh", "-f", WriteScript($"cd \\{parent}\nls\n"), edited);
            Assert.That(hivex.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(children.Count), parent);
        }

        Assert.That(reread.OpenKey(Cddb)!.Subkeys, Has.Count.EqualTo(cddbCount + names.Length));
        var parentSecurity = reread.OpenKey(Cddb)!.SecurityDescriptor();
        Assert.That(reread.OpenKey(Cddb + @"\zzz_last")!.SecurityDescriptor(), Is.EqualTo(parentSecurity));
    }

    [Test]
    public void a_dirty_hive_is_replayed_and_written_back_clean_as_hivex_reads_the_replayed_content()
    {
        string folder = Directory.CreateDirectory(_folder.File("dirty")).FullName;
        HiveSamples.CopyTo("regipy/SYSTEM_B.xz", folder, "SYSTEM");
        HiveSamples.CopyTo("regipy/SYSTEM_B.LOG1.xz", folder, "SYSTEM.LOG1");
        HiveSamples.CopyTo("regipy/SYSTEM_B.LOG2.xz", folder, "SYSTEM.LOG2");
        var hive = RegistryHive.OpenFile(Path.Combine(folder, "SYSTEM"));
        Assert.That(hive.WasDirty, Is.True);
        var writer = HiveWriter.Open(hive, Stamp);
        writer.SetValue(@"ControlSet001\Control\CrashControl", "AutoReboot", RegistryValueType.Dword, RegistryData.Dword(0));
        var bytes = writer.Commit().ToArray();
        string clean = _folder.File("clean");
        File.WriteAllBytes(clean, bytes);

        var baseBlock = RegfBaseBlock.TryRead(bytes)!;
        Assert.That(baseBlock.IsDirty, Is.False);
        Assert.That(baseBlock.PrimarySequence, Is.EqualTo(hive.BaseBlock.PrimarySequence + 1));
        Assert.That(baseBlock.LastWritten, Is.EqualTo(Stamp));
        Assert.That(ExternalTool.Ok("hivexget", clean, @"\ControlSet001\Control\CrashControl", "AutoReboot").Trim(), Is.EqualTo("0"));
        var expected = HiveSamples.Dump(writer.Read());
        Assert.That(HiveSamples.HivexDump(clean), Is.EqualTo(expected), "hivex reads the committed file as V2V read the replayed, edited hive");
    }

    [Test]
    public void a_hive_without_room_grows_by_one_4096_byte_hbin_and_hivex_reads_every_new_key()
    {
        string original = HiveSamples.CopyTo("hivex/minimal", _folder.Path);
        var writer = HiveWriter.Open(RegistryHive.OpenFile(original), Stamp);
        uint binsBefore = BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(original).AsSpan(40));
        var names = Enumerable.Range(0, 40).Select(i => $"Key{(i * 17) % 40:D2}").ToList();
        foreach (string name in names)
        {
            writer.CreateKey(name);
            writer.SetValue(name, "Start", RegistryValueType.Dword, RegistryData.Dword(4));
        }

        string edited = Commit(writer, "edited");
        uint binsAfter = BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(edited).AsSpan(40));
        Assert.That(writer.Grown, Is.EqualTo(4096), "40 keys of about 100 bytes fit one new hbin");
        Assert.That(binsAfter, Is.EqualTo(binsBefore + 4096));
        var hivex = ExternalTool.Ok("hivexsh", "-f", WriteScript("ls\n"), edited).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(hivex, Is.EqualTo(names.Order(StringComparer.Ordinal).ToArray()));
        Assert.That(ExternalTool.Ok("hivexget", edited, @"\Key39", "Start").Trim(), Is.EqualTo("4"));
    }

    [Test]
    public void values_freed_and_set_again_reuse_their_cells_so_repeated_edits_never_grow_the_hive()
    {
        string original = HiveSamples.CopyTo("hivex/minimal", _folder.Path);
        var writer = HiveWriter.Open(RegistryHive.OpenFile(original), Stamp);
        writer.CreateKey("Only");
        for (int round = 0; round < 200; round++)
        {
            writer.SetValue("Only", "Text", RegistryValueType.String, RegistryData.Text(new string('x', round % 50)));
            writer.SetValue("Only", "Other", RegistryValueType.Binary, new byte[round % 30]);
            writer.DeleteValue("Only", "Other");
        }

        string edited = Commit(writer, "edited");
        Assert.That(writer.Grown, Is.EqualTo(0));
        Assert.That(ExternalTool.Ok("hivexget", edited, @"\Only", "Text").Trim(), Is.EqualTo(new string('x', 199 % 50)));
        AssertHivexshOpens(edited, @"\Only");
    }

    private string Commit(HiveWriter writer, string name)
    {
        string path = _folder.File(name);
        File.WriteAllBytes(path, writer.Commit().Span);
        return path;
    }

    private string WriteScript(string commands)
    {
        string script = _folder.File("script-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(script, commands);
        return script;
    }

    private void AssertHivexshOpens(string hive, string key)
    {
        var result = ExternalTool.Run("hivexsh", "-f", WriteScript($"cd {key}\nlsval\n"), hive);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdErr, Is.Empty);
    }

    /// <summary>Lines hivex reads in the edited hive and not in the original, and the reverse (key timestamps left out).</summary>
    private static (string[] Added, string[] Removed) Difference(string original, string edited)
    {
        static HashSet<string> Lines(string hive)
        {
            var lines = new HashSet<string>();
            string key = "";
            foreach (string line in HiveSamples.HivexDump(hive))
            {
                if (line.StartsWith("K ", StringComparison.Ordinal))
                {
                    key = line[..line.LastIndexOf(' ')];
                    lines.Add(key);
                }
                else
                {
                    lines.Add(key + " " + line);
                }
            }

            return lines;
        }

        var before = Lines(original);
        var after = Lines(edited);
        return (after.Except(before).ToArray(), before.Except(after).ToArray());
    }

    private static string Hex(string text) => Convert.ToHexStringLower(Encoding.Unicode.GetBytes(text));

    private static string Sz(string text) => Hex(text + "\0");

    private static string K(string path) => "K /" + string.Join("/", path.Split('\\').Select(Hex));

    private static string Line(string key, string name, int type, string data) => $"{K(key)} V {Hex(name)} {type} {data}";

    private static string V(string service, string name, int type, string data) => Line(Services + "\\" + service, name, type, data);
}
