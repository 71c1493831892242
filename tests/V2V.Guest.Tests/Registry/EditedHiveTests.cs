using System.Buffers.Binary;
using V2V.Guest.Registry;
using V2V.TestSupport;
using static V2V.Guest.Tests.Registry.HiveEdits;

namespace V2V.Guest.Tests.Registry;

/// <summary>Hives written by hivex here (every value type, a large value, hundreds of subkeys) and
/// cut by hand into shapes hivex does not write (db big data, li lists): V2V reads what hivex reads.</summary>
public sealed class EditedHiveTests
{
    [Test]
    public void every_value_type_a_large_value_and_hundreds_of_subkeys_read_as_hivex_reads_them()
    {
        using var folder = new TempFolder();
        string hive = TypedHive(folder);
        var opened = RegistryHive.OpenFile(hive);
        Assert.That(HiveSamples.Dump(opened), Is.EqualTo(HiveSamples.HivexDump(hive)));

        var types = opened.OpenKey("Types")!;
        Assert.Multiple(() =>
        {
            Assert.That(types.Value("")!.AsString(), Is.EqualTo("default"));
            Assert.That(types.Value("sz")!.AsString(), Is.EqualTo("a \"quoted\" \\ text"));
            Assert.That(types.Value("expand")!.Type, Is.EqualTo(RegistryValueType.ExpandString));
            Assert.That(types.Value("expand")!.AsString(), Is.EqualTo("%SystemRoot%"));
            Assert.That(types.Value("multi")!.AsMultiString(), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(types.Value("dword")!.AsDword(), Is.EqualTo(0x12345678));
            Assert.That(types.Value("dwordbe")!.AsDword(), Is.EqualTo(0x12345678));
            Assert.That(types.Value("qword")!.AsQword(), Is.EqualTo(0x0102030405060708UL));
            Assert.That(types.Value("none")!.Data.Length, Is.EqualTo(0));
            Assert.That(types.Value("resources")!.Type, Is.EqualTo(RegistryValueType.ResourceList));
            Assert.That(types.Value("odd")!.Type, Is.EqualTo((RegistryValueType)0x1234));
            Assert.That(types.Value("large")!.Data.Length, Is.EqualTo(20000));
            Assert.That(opened.OpenKey(@"many\KEY0299"), Is.Not.Null);
            Assert.That(opened.OpenKey("many")!.Subkeys, Has.Count.EqualTo(300));
        });
    }

    [Test]
    public void a_value_split_into_db_segments_reads_whole_as_hivex_reads_it()
    {
        using var folder = new TempFolder();
        string path = HiveSamples.CopyTo("hivex/minimal", folder.Path, "big");
        Merge(path, folder.Path, @"[HKEY_LOCAL_MACHINE\SOFTWARE\Big]", $"\"blob\"=hex:{HexBytes(40000)}");
        byte[] hive = File.ReadAllBytes(path);
        byte[] expected = RegistryHive.Open(hive).OpenKey("Big")!.Value("blob")!.Data.ToArray();
        File.WriteAllBytes(path, SplitIntoBigData(hive, expected));

        var opened = RegistryHive.OpenFile(path);
        Assert.That(opened.OpenKey("Big")!.Value("blob")!.Data.ToArray(), Is.EqualTo(expected));
        Assert.That(HiveSamples.Dump(opened), Is.EqualTo(HiveSamples.HivexDump(path)));
    }

    [Test]
    public void an_li_subkey_list_reads_as_hivex_reads_it()
    {
        using var folder = new TempFolder();
        string path = HiveSamples.CopyTo("hivex/special", folder.Path, "li");
        byte[] hive = File.ReadAllBytes(path);
        int lh = FindCell(hive, "lh");
        int count = BinaryPrimitives.ReadUInt16LittleEndian(hive.AsSpan(lh + 6));
        "li"u8.CopyTo(hive.AsSpan(lh + 4));
        for (int i = 0; i < count; i++)
        {
            SetU32(hive, lh + 8 + (4 * i), U32(hive, lh + 8 + (8 * i)));
        }

        File.WriteAllBytes(path, hive);
        var opened = RegistryHive.OpenFile(path);
        Assert.That(opened.Root.Subkeys, Has.Count.EqualTo(3));
        Assert.That(HiveSamples.Dump(opened), Is.EqualTo(HiveSamples.HivexDump(path)));
    }

    /// <summary>A hive holding every value type, made with hivexregedit --merge.</summary>
    internal static string TypedHive(TempFolder folder)
    {
        string hive = HiveSamples.CopyTo("hivex/minimal", folder.Path, "typed");
        var lines = new List<string>
        {
            @"[HKEY_LOCAL_MACHINE\SOFTWARE\Types]",
            "@=hex(1):64,00,65,00,66,00,61,00,75,00,6c,00,74,00,00,00",
            "\"sz\"=hex(1):61,00,20,00,22,00,71,00,75,00,6f,00,74,00,65,00,64,00,22,00,20,00,5c,00,20,00,74,00,65,00,78,00,74,00,00,00",
            "\"expand\"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,74,00,25,00,00,00",
            "\"multi\"=hex(7):61,00,00,00,62,00,00,00,00,00",
            "\"binary\"=hex:00,01,02,ff",
            "\"dword\"=dword:12345678",
            "\"dwordbe\"=hex(5):12,34,56,78",
            "\"link\"=hex(6):5c,00,52,00",
            "\"resources\"=hex(8):01,00,00,00",
            "\"fullresource\"=hex(9):02,00",
            "\"requirements\"=hex(a):03,00,00",
            "\"qword\"=hex(b):08,07,06,05,04,03,02,01",
            "\"none\"=hex(0):",
            "\"odd\"=hex(1234):aa,bb,cc",
            "\"short dword\"=hex(4):01,02",
            "\"unterminated sz\"=hex(1):41,00,42,00",
            "\"ünïcödé ☃\"=dword:00000001",
            $"\"large\"=hex:{HexBytes(20000)}",
            "",
            @"[HKEY_LOCAL_MACHINE\SOFTWARE\Types\Ünïcödé ☃ key]",
            "",
            @"[HKEY_LOCAL_MACHINE\SOFTWARE\many]",
        };
        for (int i = 0; i < 300; i++)
        {
            lines.Add("");
            lines.Add($@"[HKEY_LOCAL_MACHINE\SOFTWARE\many\Key{i:D4}]");
            lines.Add($"\"n\"=dword:{i:x8}");
        }

        Merge(hive, folder.Path, [.. lines]);
        return hive;
    }

    /// <summary>
    /// Appends an hbin holding a db record, its segment list and 16344-byte segments for the value
    /// "blob", and points the value's vk at the db (hivex writes one big cell instead).
    /// </summary>
    private static byte[] SplitIntoBigData(byte[] hive, byte[] data)
    {
        int segments = (data.Length + BigData.SegmentSize - 1) / BigData.SegmentSize;
        int segmentCell = (BigData.SegmentSize + 4 + 7) / 8 * 8;
        int used = 32 + 16 + 16 + (segments * segmentCell);
        int binSize = (used + 8 + 4095) / 4096 * 4096;
        int binOffset = (int)U32(hive, 40);
        byte[] grown = new byte[4096 + binOffset + binSize];
        hive.AsSpan(0, 4096 + binOffset).CopyTo(grown);
        int bin = 4096 + binOffset;
        "hbin"u8.CopyTo(grown.AsSpan(bin));
        SetU32(grown, bin + 4, (uint)binOffset);
        SetU32(grown, bin + 8, (uint)binSize);
        int db = bin + 32, list = db + 16, first = list + 16;
        SetI32(grown, db, -16);
        "db"u8.CopyTo(grown.AsSpan(db + 4));
        BinaryPrimitives.WriteUInt16LittleEndian(grown.AsSpan(db + 6), (ushort)segments);
        SetU32(grown, db + 8, (uint)(list - 4096));
        SetI32(grown, list, -16);
        for (int i = 0; i < segments; i++)
        {
            int cell = first + (i * segmentCell);
            SetU32(grown, list + 4 + (4 * i), (uint)(cell - 4096));
            SetI32(grown, cell, -segmentCell);
            int at = i * BigData.SegmentSize;
            data.AsSpan(at, Math.Min(BigData.SegmentSize, data.Length - at)).CopyTo(grown.AsSpan(cell + 4));
        }

        SetI32(grown, bin + used, binSize - used); // the rest of the bin is one free cell
        int vk = FindCell(grown, "vk");
        while (U32(grown, vk + 8) != data.Length)
        {
            vk = FindCell(grown, "vk", vk + 8);
        }

        SetU32(grown, vk + 12, (uint)(db - 4096));
        SetU32(grown, 40, (uint)(binOffset + binSize));
        Reseal(grown);
        return grown;
    }
}
