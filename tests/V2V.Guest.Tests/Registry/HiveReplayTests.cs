using System.Diagnostics;
using V2V.Guest.Registry;
using V2V.TestSupport;
using static V2V.Guest.Tests.Registry.HiveEdits;

namespace V2V.Guest.Tests.Registry;

/// <summary>
/// Dirty hives are read through their transaction logs, replayed in memory. Oracles: for the real
/// SYSTEM_B (Windows 8.1+ logs) hivex reads V2V's replayed image with the same keys and values,
/// every entry's Marvin32 hashes (written by Windows) check, and the sequence numbers end where the
/// logs end; for logs built here from two hivex-written hives H and H', the replay of H with a log
/// of H'’s changed pages must read exactly as hivex reads H'.
/// </summary>
public sealed class HiveReplayTests
{
    [Test]
    public void the_dirty_system_b_hive_replays_both_8_1_logs_by_sequence_number_and_hivex_reads_the_result_alike()
    {
        byte[] primary = File.ReadAllBytes(HiveSamples.Get("regipy/SYSTEM_B.xz"));
        byte[] log1 = File.ReadAllBytes(HiveSamples.Get("regipy/SYSTEM_B.LOG1.xz"));
        byte[] log2 = File.ReadAllBytes(HiveSamples.Get("regipy/SYSTEM_B.LOG2.xz"));
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var hive = RegistryHive.Open("SYSTEM_B", primary, [new("SYSTEM_B.LOG1", log1), new("SYSTEM_B.LOG2", log2)]);
        TestContext.Out.WriteLine($"opened and replayed the 12 MiB SYSTEM_B in {watch.ElapsedMilliseconds} ms, {(GC.GetAllocatedBytesForCurrentThread() - allocated) >> 20} MiB allocated");
        var swapped = RegistryHive.Open("SYSTEM_B", primary, [new("b", log2), new("a", log1)]);

        Assert.Multiple(() =>
        {
            Assert.That(hive.WasDirty, Is.True);
            Assert.That(hive.BaseBlock.PrimarySequence, Is.EqualTo(2130), "LOG2's last valid entry");
            Assert.That(hive.BaseBlock.SecondarySequence, Is.EqualTo(2130));
            Assert.That(hive.BaseBlock.HiveBinsDataSize, Is.EqualTo(12591104), "the last entry's hive bins data size");
            Assert.That(hive.BaseBlock.ChecksumValid, Is.True);
            Assert.That(hive.Findings[0], Does.Contain("replayed 24 log entries, sequences 2107-2130"));
            Assert.That(swapped.Image.ToArray(), Is.EqualTo(hive.Image.ToArray()), "logs are chosen by sequence number, not by their order or names");
            Assert.That(hive.CurrentControlSet!.Subkey("Services")!.Subkeys, Is.Not.Empty);
        });

        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("replayed"), hive.Image.ToArray());
        Assert.That(HiveSamples.Dump(hive), Is.EqualTo(HiveSamples.HivexDump(folder.File("replayed"))));
    }

    [Test]
    public void a_dirty_hive_without_logs_is_read_as_it_is_with_a_finding_and_reads_as_hivex_reads_it()
    {
        string path = HiveSamples.Get("regipy/SYSTEM_B.xz");
        var hive = RegistryHive.Open("SYSTEM_B", File.ReadAllBytes(path), []);
        Assert.That(hive.Findings, Has.One.Contains("no transaction log could be replayed"));
        Assert.That(HiveSamples.Dump(hive), Is.EqualTo(HiveSamples.HivexDump(path)));
    }

    [Test]
    public void an_old_format_dirt_log_replays_the_changed_pages_and_the_result_reads_as_hivex_reads_the_newer_hive()
    {
        using var folder = new TempFolder();
        var (older, newer) = OlderAndNewer(folder);
        byte[] log = OldFormatLog(older, newer);
        byte[] primary = DirtyPrimary(older, newer);

        var hive = RegistryHive.Open("software", primary, [new("software.LOG", log)]);
        Assert.Multiple(() =>
        {
            Assert.That(hive.Findings[0], Does.Contain("dirty pages from software.LOG"));
            Assert.That(HiveSamples.Dump(hive), Is.EqualTo(HiveSamples.HivexDump(folder.File("newer"))));
            Assert.That(hive.Image.Span[4096..].SequenceEqual(newer.AsSpan(4096, (int)U32(newer, 40))), Is.True);
        });

        SetU32(log, 12, U32(log, 12) + 1); // another timestamp: not this hive's log
        Reseal(log);
        var unrelated = RegistryHive.Open("software", primary, [new("software.LOG", log)]);
        Assert.That(unrelated.Findings, Has.Some.Contains("timestamps differ"));
        Assert.That(HiveSamples.Dump(unrelated).Length, Is.LessThan(HiveSamples.Dump(hive).Length));
    }

    [Test]
    public void new_format_entries_chain_across_log1_and_log2_and_stop_at_a_bad_hash()
    {
        using var folder = new TempFolder();
        var (older, newer) = OlderAndNewer(folder);
        var pages = ChangedPages(older, newer, 4096);
        uint oldSize = U32(older, 40);
        Assert.That(pages.Count(p => p < oldSize), Is.GreaterThan(0));
        uint sequence = U32(older, 8);

        // The first entry rewrites pages of the old bins; the second grows the hive with the new bin.
        byte[] log1 = NewFormatLog(older, sequence, [(sequence, oldSize, pages.Where(p => p < oldSize).ToList(), newer)]);
        byte[] log2 = NewFormatLog(older, sequence + 1, [(sequence + 1, U32(newer, 40), pages.Where(p => p >= oldSize).ToList(), newer)]);
        byte[] primary = (byte[])older.Clone();
        SetU32(primary, 4, sequence + 1);
        Reseal(primary);

        var hive = RegistryHive.Open("software", primary, [new("software.LOG2", log2), new("software.LOG1", log1)]);
        Assert.Multiple(() =>
        {
            Assert.That(hive.BaseBlock.PrimarySequence, Is.EqualTo(sequence + 1));
            Assert.That(HiveSamples.Dump(hive), Is.EqualTo(HiveSamples.HivexDump(folder.File("newer"))));
        });

        byte[] torn = (byte[])older.Clone();
        torn[508] ^= 0xFF; // a wrong checksum: the base block comes from the oldest log's copy
        var recovered = RegistryHive.Open("software", torn, [new("software.LOG1", log1), new("software.LOG2", log2)]);
        Assert.That(recovered.Findings[0], Does.Contain("checksum is wrong").And.Contain("replayed 2 log entries"));
        Assert.That(HiveSamples.Dump(recovered), Is.EqualTo(HiveSamples.Dump(hive)));

        log2[512 + 100] ^= 0x40; // inside the page references: Hash-1 no longer matches
        var stopped = RegistryHive.Open("software", primary, [new("software.LOG1", log1), new("software.LOG2", log2)]);
        Assert.Multiple(() =>
        {
            Assert.That(stopped.BaseBlock.PrimarySequence, Is.EqualTo(sequence));
            Assert.That(stopped.Findings, Has.Some.Contains("software.LOG2: log entry at 0x200 (sequence " + (sequence + 1) + ") fails its Marvin32 hash"));
        });
    }

    [Test]
    public void marvin32_matches_the_hashes_windows_wrote_in_every_system_b_log_entry()
    {
        int checkedEntries = 0;
        foreach (string log in new[] { "regipy/SYSTEM_B.LOG1.xz", "regipy/SYSTEM_B.LOG2.xz" })
        {
            var findings = new List<string>();
            checkedEntries += LogEntry.ReadAll(File.ReadAllBytes(HiveSamples.Get(log)), log, findings).Count;
            Assert.That(findings, Is.Empty);
        }

        Assert.That(checkedEntries, Is.EqualTo(24));
    }

    /// <summary>H = hivex's "minimal" hive with a key; H' = H after hivex added keys and values (it appends a bin).</summary>
    private static (byte[] Older, byte[] Newer) OlderAndNewer(TempFolder folder)
    {
        string older = HiveSamples.CopyTo("hivex/minimal", folder.Path, "older");
        Merge(older, folder.Path, @"[HKEY_LOCAL_MACHINE\SOFTWARE\First]", "\"a\"=dword:00000001");
        File.Copy(older, folder.File("newer"));
        Merge(folder.File("newer"), folder.Path, @"[HKEY_LOCAL_MACHINE\SOFTWARE\First]", "\"b\"=\"changed\"", "", @"[HKEY_LOCAL_MACHINE\SOFTWARE\Second]", $"\"blob\"=hex:{HexBytes(9000)}");
        byte[] newer = File.ReadAllBytes(folder.File("newer"));
        byte[] olderBytes = File.ReadAllBytes(older);
        Assert.That(U32(newer, 40), Is.GreaterThan(U32(olderBytes, 40)));
        return (olderBytes, newer);
    }

    /// <summary>Offsets (relative to the hive bins data) of the <paramref name="pageSize"/>-byte pages of H' that differ from H.</summary>
    private static List<int> ChangedPages(byte[] older, byte[] newer, int pageSize)
    {
        var pages = new List<int>();
        for (int page = 0; page < U32(newer, 40); page += pageSize)
        {
            int at = 4096 + page;
            if (at + pageSize > older.Length || !older.AsSpan(at, pageSize).SequenceEqual(newer.AsSpan(at, pageSize)))
            {
                pages.Add(page);
            }
        }

        return pages;
    }

    private static byte[] DirtyPrimary(byte[] older, byte[] newer)
    {
        byte[] primary = (byte[])older.Clone();
        SetU32(primary, 4, U32(primary, 8) + 1);
        newer.AsSpan(12, 8).CopyTo(primary.AsSpan(12)); // the log of a write carries the primary's timestamp
        Reseal(primary);
        return primary;
    }

    private static byte[] OldFormatLog(byte[] older, byte[] newer)
    {
        uint binsSize = U32(newer, 40);
        var pages = ChangedPages(older, newer, 512);
        int bitmapBytes = (int)(binsSize / 512 / 8);
        int pagesStart = (512 + 4 + bitmapBytes + 511) / 512 * 512;
        byte[] log = new byte[pagesStart + (pages.Count * 512)];
        newer.AsSpan(0, 512).CopyTo(log);
        SetU32(log, 28, 1);
        Reseal(log);
        "DIRT"u8.CopyTo(log.AsSpan(512));
        for (int i = 0; i < pages.Count; i++)
        {
            int bit = pages[i] / 512;
            log[516 + (bit / 8)] |= (byte)(1 << (bit % 8));
            newer.AsSpan(4096 + pages[i], 512).CopyTo(log.AsSpan(pagesStart + (i * 512)));
        }

        return log;
    }

    private static byte[] NewFormatLog(byte[] baseBlockSource, uint logSequence, List<(uint Sequence, uint BinsSize, List<int> Pages, byte[] From)> entries)
    {
        var log = new List<byte>();
        byte[] header = new byte[512];
        baseBlockSource.AsSpan(0, 512).CopyTo(header);
        SetU32(header, 4, logSequence);
        SetU32(header, 8, logSequence);
        SetU32(header, 28, RegfBaseBlock.NewLogFileType);
        Reseal(header);
        log.AddRange(header);
        foreach (var (sequence, binsSize, pages, from) in entries)
        {
            int size = (40 + (8 * pages.Count) + (4096 * pages.Count) + 511) / 512 * 512;
            byte[] entry = new byte[size];
            "HvLE"u8.CopyTo(entry);
            SetU32(entry, 4, (uint)size);
            SetU32(entry, 12, sequence);
            SetU32(entry, 16, binsSize);
            SetU32(entry, 20, (uint)pages.Count);
            for (int i = 0; i < pages.Count; i++)
            {
                SetU32(entry, 40 + (8 * i), (uint)pages[i]);
                SetU32(entry, 44 + (8 * i), 4096);
                from.AsSpan(4096 + pages[i], 4096).CopyTo(entry.AsSpan(40 + (8 * pages.Count) + (4096 * i)));
            }

            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(entry.AsSpan(24), Marvin32.Hash(entry.AsSpan(40)));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(entry.AsSpan(32), Marvin32.Hash(entry.AsSpan(0, 32)));
            log.AddRange(entry);
        }

        return [.. log];
    }
}
