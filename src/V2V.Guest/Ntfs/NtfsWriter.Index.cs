using System.Buffers.Binary;

namespace V2V.Guest.Ntfs;

/// <summary>The copies of a file's $FILE_NAME in its parent's $I30 index (root and INDX records) that carry its sizes.</summary>
public sealed partial class NtfsWriter
{
    private const uint IndexRootType = 0x90;
    private const uint IndexAllocationType = 0xA0;
    private const int MaxIndexBytes = 64 << 20;

    private void UpdateIndexEntries(long parent, long number, long allocated, long dataSize)
    {
        var record = ReadRecord(parent);
        if (FindAttribute(record, IndexRootType, unnamed: false) is { } root && record[root + 8] == 0)
        {
            int value = root + BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(root + 20));
            int valueLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(root + 16));
            if (value + valueLength <= record.Length && valueLength >= 32
                && PatchNode(record.AsSpan(value, valueLength), 16, number, allocated, dataSize))
            {
                WriteRecord(parent, record);
            }
        }

        if (FindAttribute(record, IndexAllocationType, unnamed: false) is not { } allocation || record[allocation + 8] == 0)
        {
            return;
        }

        int pairsOffset = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(allocation + 32));
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(allocation + 4));
        long size = BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(allocation + 48));
        var (runs, _) = MappingPairs.Decode(record.AsSpan(allocation + pairsOffset, length - pairsOffset), 0, Volume.BootSector.ClusterCount);
        if (size > MaxIndexBytes || runs.Any(r => r.IsSparse))
        {
            return; // sizes in $I30 are informational; Windows tolerates stale ones
        }

        var bytes = ReadRuns(runs, size);
        int recordSize = Volume.BootSector.IndexRecordSize;
        bool changed = false;
        for (int at = 0; at + recordSize <= bytes.Length; at += recordSize)
        {
            var indexRecord = bytes.AsSpan(at, recordSize);
            if (!indexRecord[..4].SequenceEqual("INDX"u8))
            {
                continue;
            }

            var copy = indexRecord.ToArray();
            try
            {
                UpdateSequence.Apply(copy, "INDX record");
            }
            catch (NtfsCorruptException)
            {
                continue;
            }

            if (PatchNode(copy, 24, number, allocated, dataSize))
            {
                UpdateSequenceWriter.Protect(copy);
                copy.CopyTo(indexRecord);
                changed = true;
            }
        }

        if (changed)
        {
            WriteChangedSectors(runs, bytes);
        }
    }

    /// <summary>Patches the sizes in the entries naming record <paramref name="number"/> of the index node whose header is at <paramref name="header"/>.</summary>
    private static bool PatchNode(Span<byte> node, int header, long number, long allocated, long dataSize)
    {
        if (header + 16 > node.Length)
        {
            return false;
        }

        int at = header + (int)BinaryPrimitives.ReadUInt32LittleEndian(node[header..]);
        int end = (int)Math.Min(header + (long)BinaryPrimitives.ReadUInt32LittleEndian(node[(header + 4)..]), node.Length);
        bool changed = false;
        while (at + 16 <= end)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(node[(at + 8)..]);
            int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(node[(at + 10)..]);
            int flags = BinaryPrimitives.ReadUInt16LittleEndian(node[(at + 12)..]);
            if ((flags & 2) != 0 || length < 16 || at + length > end)
            {
                break;
            }

            long reference = (long)(BinaryPrimitives.ReadUInt64LittleEndian(node[at..]) & 0xFFFFFFFFFFFF);
            if (reference == number && keyLength >= 56)
            {
                var key = node[(at + 16)..];
                if (BinaryPrimitives.ReadInt64LittleEndian(key[40..]) != allocated || BinaryPrimitives.ReadInt64LittleEndian(key[48..]) != dataSize)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(key[40..], allocated);
                    BinaryPrimitives.WriteInt64LittleEndian(key[48..], dataSize);
                    changed = true;
                }
            }

            at += length;
        }

        return changed;
    }

    private byte[] ReadRuns(IReadOnlyList<DataRun> runs, long size)
    {
        int clusterSize = Volume.BootSector.ClusterSize;
        var bytes = new byte[size];
        foreach (var run in runs)
        {
            long start = run.Vcn * clusterSize;
            long count = Math.Min(run.Length * clusterSize, size - start);
            if (count > 0)
            {
                _device.Read(Offset + (run.Lcn * clusterSize), bytes.AsSpan((int)start, (int)count));
            }
        }

        return bytes;
    }
}
