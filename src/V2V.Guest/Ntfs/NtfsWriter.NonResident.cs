using System.Buffers.Binary;

namespace V2V.Guest.Ntfs;

/// <summary>Non-resident data: sizes, new clusters from $Bitmap, and the $FILE_NAME copies that carry sizes.</summary>
public sealed partial class NtfsWriter
{
    private const long BitmapRecord = 6;

    private long ReplaceNonResident(long number, byte[] record, int attribute, ReadOnlySpan<byte> content, string path)
    {
        int clusterSize = Volume.BootSector.ClusterSize;
        var span = record.AsSpan(attribute);
        int oldLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        int pairsOffset = BinaryPrimitives.ReadUInt16LittleEndian(span[32..]);
        long lowest = BinaryPrimitives.ReadInt64LittleEndian(span[16..]);
        long allocated = BinaryPrimitives.ReadInt64LittleEndian(span[40..]);
        long dataSize = BinaryPrimitives.ReadInt64LittleEndian(span[48..]);
        long valid = BinaryPrimitives.ReadInt64LittleEndian(span[56..]);
        if (lowest != 0)
        {
            throw Refused($"\"{path}\": its $DATA starts at VCN {lowest} in this record");
        }

        var (runs, _) = MappingPairs.Decode(span[pairsOffset..oldLength], 0, Volume.BootSector.ClusterCount);
        long needed = (content.Length + clusterSize - 1) / clusterSize;
        if (runs.Any(r => r.IsSparse && r.Vcn < needed))
        {
            throw Refused($"\"{path}\" is sparse where it would be written");
        }

        long have = allocated / clusterSize;
        bool grown = needed > have;
        if (grown)
        {
            if (runs.Sum(r => r.Length) != have)
            {
                throw Refused($"\"{path}\": its runlist does not cover its {allocated} allocated bytes");
            }

            var added = AllocateClusters(needed - have, runs.Count > 0 ? runs[^1].Lcn + runs[^1].Length : 0, path);
            foreach (var (lcn, length) in added)
            {
                var last = runs.Count > 0 ? runs[^1] : (DataRun?)null;
                if (last is { IsSparse: false } previous && previous.Lcn + previous.Length == lcn)
                {
                    runs[^1] = previous with { Length = previous.Length + length };
                }
                else
                {
                    runs.Add(new DataRun(runs.Count > 0 ? runs[^1].Vcn + runs[^1].Length : 0, lcn, length));
                }
            }

            var pairs = MappingPairsWriter.Encode(runs);
            int newLength = (pairsOffset + pairs.Length + 7) & ~7;
            if (!Resize(record, attribute, oldLength, newLength))
            {
                throw Refused($"\"{path}\": its longer runlist does not fit its MFT record (an $ATTRIBUTE_LIST would be needed)");
            }

            span = record.AsSpan(attribute);
            span[pairsOffset..newLength].Clear();
            pairs.CopyTo(span[pairsOffset..]);
            allocated = needed * clusterSize;
            BinaryPrimitives.WriteInt64LittleEndian(span[24..], needed - 1);
            BinaryPrimitives.WriteInt64LittleEndian(span[40..], allocated);
        }

        long written = WriteChangedSectors(runs, content);
        if (grown || dataSize != content.Length || valid != content.Length)
        {
            span = record.AsSpan(attribute);
            BinaryPrimitives.WriteInt64LittleEndian(span[48..], content.Length);
            BinaryPrimitives.WriteInt64LittleEndian(span[56..], content.Length);
            UpdateFileNames(number, record, allocated, content.Length);
            written += WriteRecord(number, record);
        }

        return written;
    }

    /// <summary>
    /// Takes <paramref name="count"/> free clusters from $Bitmap, first after <paramref name="hint"/>
    /// (the file's last cluster, to keep it contiguous), keeping out of the MFT zone (an eighth of
    /// the volume after $MFT's start) while there is room elsewhere; sets their bits and writes $Bitmap back.
    /// </summary>
    private List<(long Lcn, long Length)> AllocateClusters(long count, long hint, string path)
    {
        var bitmap = Volume.ReadAllBytes("$Bitmap");
        long clusters = Math.Min(Volume.BootSector.ClusterCount, bitmap.Length * 8L);
        long zoneStart = Volume.BootSector.MftLcn;
        long zoneEnd = zoneStart + (clusters / 8);
        bool Free(long lcn) => (bitmap[lcn >> 3] & (1 << (int)(lcn & 7))) == 0;
        var result = new List<(long, long)>();
        long wanted = count;
        foreach (bool avoidZone in (bool[])[true, false])
        {
            for (long step = 0; step < clusters && wanted > 0; step++)
            {
                long lcn = (hint + step) % clusters;
                if (!Free(lcn) || (avoidZone && lcn >= zoneStart && lcn < zoneEnd))
                {
                    continue;
                }

                bitmap[lcn >> 3] |= (byte)(1 << (int)(lcn & 7));
                wanted--;
                if (result.Count > 0 && result[^1].Item1 + result[^1].Item2 == lcn)
                {
                    result[^1] = (result[^1].Item1, result[^1].Item2 + 1);
                }
                else
                {
                    result.Add((lcn, 1));
                }
            }
        }

        if (wanted > 0)
        {
            throw Refused($"\"{path}\" needs {count} more clusters, the volume has only {count - wanted} free");
        }

        ReplaceBitmap(bitmap);
        return result;
    }

    private void ReplaceBitmap(byte[] bitmap)
    {
        var record = ReadRecord(BitmapRecord);
        int data = FindAttribute(record, DataType, unnamed: true) ?? throw new NtfsCorruptException("$Bitmap has no data");
        int pairsOffset = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(data + 32));
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(data + 4));
        var (runs, _) = MappingPairs.Decode(record.AsSpan(data + pairsOffset, length - pairsOffset), 0, Volume.BootSector.ClusterCount);
        WriteChangedSectors(runs, bitmap);
    }

    /// <summary>Sets the allocated and data sizes of the $FILE_NAME attributes in the record and of this file's entries in its parent's $I30 index.</summary>
    private void UpdateFileNames(long number, byte[] record, long allocated, long dataSize)
    {
        var parents = new HashSet<long>();
        foreach (int at in Attributes(record))
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(at)) != FileNameType || record[at + 8] != 0)
            {
                continue;
            }

            int value = at + BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(at + 20));
            if (value + 66 > record.Length)
            {
                continue;
            }

            BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(value + 40), allocated);
            BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(value + 48), dataSize);
            parents.Add((long)(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(value)) & 0xFFFFFFFFFFFF));
        }

        foreach (long parent in parents)
        {
            UpdateIndexEntries(parent, number, allocated, dataSize);
        }
    }
}
