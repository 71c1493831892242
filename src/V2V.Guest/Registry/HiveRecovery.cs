using System.Buffers.Binary;

namespace V2V.Guest.Registry;

/// <summary>
/// Replays a dirty hive's transaction logs in memory, as Windows does when it loads the hive
/// (regf specification, "Dirty state of a hive" and "Multiple transaction log files"). The log
/// format is told by content: a <c>DIRT</c> vector (old format) or HvLE entries (base block file
/// type 6). The primary bytes are never written; the result is a new image.
/// </summary>
internal static class HiveRecovery
{
    /// <summary>
    /// The hive image to read: <paramref name="primary"/> itself when it is clean, else a replayed
    /// copy. What was done, and why a log was not used, goes to <paramref name="findings"/>.
    /// </summary>
    public static ReadOnlyMemory<byte> Recover(string file, ReadOnlyMemory<byte> primary, IReadOnlyList<HiveLogFile> logs, List<string> findings)
    {
        var baseBlock = RegfBaseBlock.TryRead(primary.Span)!;
        if (!baseBlock.IsDirty)
        {
            return primary;
        }

        string state = baseBlock.ChecksumValid
            ? $"sequence numbers {baseBlock.PrimarySequence} and {baseBlock.SecondarySequence} differ"
            : "its base block checksum is wrong";
        var usable = logs.Where(l => l.Bytes.Length >= 512 && RegfBaseBlock.HasSignature(l.Bytes.Span)).ToList();
        var newFormat = usable.Where(l => RegfBaseBlock.TryRead(l.Bytes.Span)!.FileType == RegfBaseBlock.NewLogFileType).ToList();
        var oldFormat = usable.Where(l => !newFormat.Contains(l) && DirtyVectorLog.Matches(l.Bytes.Span)).ToList();
        foreach (var unknown in logs.Where(l => l.Bytes.Length > 0 && !newFormat.Contains(l) && !oldFormat.Contains(l)))
        {
            findings.Add($"{unknown.Name}: not a registry transaction log; ignored");
        }

        string? summary = null;
        byte[]? replayed = newFormat.Count > 0 ? ReplayNewFormat(file, primary, baseBlock, newFormat, findings, out summary) : null;
        if (replayed is null && oldFormat.Count > 0)
        {
            replayed = ReplayOldFormat(primary, baseBlock, oldFormat, findings, out summary);
        }

        if (replayed is null)
        {
            findings.Add($"{file}: the hive is dirty ({state}) and no transaction log could be replayed; reading the primary file as it is");
            return primary;
        }

        findings.Insert(0, $"{file}: the hive was dirty ({state}); {summary}");
        return replayed;
    }

    private static byte[]? ReplayNewFormat(string file, ReadOnlyMemory<byte> primary, RegfBaseBlock baseBlock, List<HiveLogFile> logs, List<string> findings, out string? summary)
    {
        summary = null;
        var logBaseBlocks = logs.Select(l => RegfBaseBlock.TryRead(l.Bytes.Span)!).ToList();
        ReadOnlySpan<byte> recoveredBase = primary.Span[..RegfBaseBlock.ChecksummedBytes];
        if (!baseBlock.ChecksumValid)
        {
            // Windows recovers a damaged base block from a log's copy (the oldest valid one, so no entry is skipped).
            int source = Enumerable.Range(0, logs.Count).Where(i => logBaseBlocks[i].ChecksumValid)
                .OrderBy(i => logBaseBlocks[i].SecondarySequence).DefaultIfEmpty(-1).First();
            if (source < 0)
            {
                findings.Add($"{file}: its base block is damaged and no log holds a valid copy");
                return null;
            }

            recoveredBase = logs[source].Bytes.Span[..RegfBaseBlock.ChecksummedBytes];
            baseBlock = logBaseBlocks[source];
        }

        // Entries chain by sequence number across both logs, from the first one at or after the
        // primary's secondary sequence: the log holding the lowest applies first (Windows rotates
        // LOG1/LOG2; a partial reconcile can leave the primary's own number missing from both).
        var bySequence = new Dictionary<uint, LogEntry>();
        for (int i = 0; i < logs.Count; i++)
        {
            foreach (var entry in LogEntry.ReadAll(logs[i].Bytes, logs[i].Name, findings))
            {
                if (entry.Sequence >= baseBlock.SecondarySequence)
                {
                    bySequence.TryAdd(entry.Sequence, entry);
                }
            }
        }

        if (bySequence.Count == 0)
        {
            return null;
        }

        long limit = primary.Length + logs.Sum(l => (long)l.Bytes.Length);
        var chain = new List<LogEntry>();
        for (uint sequence = bySequence.Keys.Min(); bySequence.TryGetValue(sequence, out var entry); sequence++)
        {
            if (RegfBaseBlock.Size + (long)entry.HiveBinsDataSize > limit || RegfBaseBlock.Size + (long)entry.HiveBinsDataSize > Array.MaxLength)
            {
                findings.Add($"{file}: log entry {entry.Sequence} gives hive bins data size 0x{entry.HiveBinsDataSize:X}, more than the hive and its logs hold; replay stops there");
                break;
            }

            chain.Add(entry);
        }

        if (chain.Count == 0)
        {
            return null;
        }

        long size = Math.Max(primary.Length, RegfBaseBlock.Size + chain.Max(e => (long)e.HiveBinsDataSize));
        var hive = new byte[size];
        primary.Span.CopyTo(hive);
        recoveredBase.CopyTo(hive);
        foreach (var entry in chain)
        {
            var bytes = entry.Entry.Span;
            foreach (var (offset, length, at) in entry.Pages)
            {
                bytes.Slice(at, length).CopyTo(hive.AsSpan(RegfBaseBlock.Size + (int)offset));
            }
        }

        var last = chain[^1];
        FinishBaseBlock(hive, last.Sequence, last.HiveBinsDataSize, last.Flags);
        string gap = chain[0].Sequence == baseBlock.SecondarySequence ? "" :
            $" (the first is {chain[0].Sequence}, not the primary's {baseBlock.SecondarySequence}: a partial reconcile had already written the older ones)";
        summary = $"replayed {chain.Count} log entries, sequences {chain[0].Sequence}-{last.Sequence}{gap}, from {string.Join(", ", logs.Select(l => l.Name))}";
        return hive;
    }

    private static byte[]? ReplayOldFormat(ReadOnlyMemory<byte> primary, RegfBaseBlock baseBlock, List<HiveLogFile> logs, List<string> findings, out string? summary)
    {
        summary = null;
        // The applicable log carries the primary's last-written timestamp (the first hbin's copy of
        // it when the primary's base block is damaged); among several, the newest sequence wins.
        long timestamp = baseBlock.ChecksumValid || primary.Length < RegfBaseBlock.Size + 28
            ? baseBlock.LastWritten
            : BinaryPrimitives.ReadInt64LittleEndian(primary.Span[(RegfBaseBlock.Size + 20)..]);
        var candidates = new List<(HiveLogFile File, DirtyVectorLog Log)>();
        foreach (var log in logs)
        {
            var parsed = DirtyVectorLog.TryRead(log.Bytes, out string? problem);
            if (parsed is null)
            {
                findings.Add($"{log.Name}: {problem}; not used");
            }
            else if (parsed.BaseBlock.LastWritten != timestamp)
            {
                findings.Add($"{log.Name}: written at another time than the hive (timestamps differ); not used");
            }
            else if (RegfBaseBlock.Size + (long)parsed.BaseBlock.HiveBinsDataSize > primary.Length + log.Bytes.Length)
            {
                findings.Add($"{log.Name}: gives hive bins data size 0x{parsed.BaseBlock.HiveBinsDataSize:X}, more than the hive and log hold; not used");
            }
            else
            {
                candidates.Add((log, parsed));
            }
        }

        if (candidates.Count == 0)
        {
            return null;
        }

        var (file, chosen) = candidates.MaxBy(c => c.Log.BaseBlock.SecondarySequence);
        var hive = new byte[Math.Max(primary.Length, RegfBaseBlock.Size + (long)chosen.BaseBlock.HiveBinsDataSize)];
        primary.Span.CopyTo(hive);
        chosen.BaseBlockBytes.Span.CopyTo(hive);
        chosen.Apply(file.Bytes, hive);
        FinishBaseBlock(hive, chosen.BaseBlock.SecondarySequence, chosen.BaseBlock.HiveBinsDataSize, null);
        summary = $"replayed {chosen.PageCount} dirty pages from {file.Name}";
        return hive;
    }

    /// <summary>Makes the replayed image's base block what Windows leaves after recovery: a clean primary.</summary>
    private static void FinishBaseBlock(Span<byte> hive, uint sequence, uint binsDataSize, uint? flags)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(hive[4..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(hive[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(hive[28..], RegfBaseBlock.PrimaryFileType);
        BinaryPrimitives.WriteUInt32LittleEndian(hive[40..], binsDataSize);
        if (flags is { } value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(hive[144..], value);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(hive[RegfBaseBlock.ChecksummedBytes..], RegfBaseBlock.ComputeChecksum(hive));
    }
}
