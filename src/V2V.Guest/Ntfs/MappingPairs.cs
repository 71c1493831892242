namespace V2V.Guest.Ntfs;

/// <summary>
/// Decodes a runlist (mapping pairs, WINDOWS.md §8 [LIBFSNTFS]): per run a header byte whose low
/// nibble is the byte count of the run length and high nibble the byte count of the signed LCN
/// delta from the previous run (0 = sparse run); a 0x00 byte ends the list.
/// </summary>
internal static class MappingPairs
{
    /// <param name="pairs">The runlist bytes (from the mapping-pairs offset to the attribute's end).</param>
    /// <param name="lowestVcn">First VCN the runs describe.</param>
    /// <param name="clusterCount">Clusters in the volume: every real run must lie inside it.</param>
    /// <returns>The runs and the VCN after the last one.</returns>
    public static (List<DataRun> Runs, long NextVcn) Decode(ReadOnlySpan<byte> pairs, long lowestVcn, long clusterCount)
    {
        var runs = new List<DataRun>();
        long vcn = lowestVcn;
        long lcn = 0;
        int pos = 0;
        while (true)
        {
            if (pos >= pairs.Length)
            {
                throw new NtfsCorruptException("runlist has no end marker");
            }

            byte header = pairs[pos];
            if (header == 0)
            {
                return (runs, vcn);
            }

            int lengthBytes = header & 0x0F;
            int deltaBytes = header >> 4;
            if (lengthBytes is 0 or > 8 || deltaBytes > 8 || pos + 1 + lengthBytes + deltaBytes > pairs.Length)
            {
                throw new NtfsCorruptException($"runlist entry at byte {pos} (header 0x{header:X2}) is malformed or truncated");
            }

            long length = Signed(pairs.Slice(pos + 1, lengthBytes));
            if (length <= 0 || length > clusterCount * 2048L || vcn > long.MaxValue - length)
            {
                // Sparse runs may exceed the volume (huge sparse files), but not absurdly: 2048 x the volume's clusters.
                throw new NtfsCorruptException($"runlist entry at byte {pos} has an invalid length {length}");
            }

            if (deltaBytes == 0)
            {
                runs.Add(new DataRun(vcn, -1, length));
            }
            else
            {
                lcn += Signed(pairs.Slice(pos + 1 + lengthBytes, deltaBytes));
                if (lcn < 0 || lcn >= clusterCount || length > clusterCount - lcn)
                {
                    throw new NtfsCorruptException($"runlist entry at byte {pos} maps LCN {lcn} + {length} clusters, outside the volume's {clusterCount} clusters");
                }

                runs.Add(new DataRun(vcn, lcn, length));
            }

            vcn += length;
            pos += 1 + lengthBytes + deltaBytes;
        }
    }

    private static long Signed(ReadOnlySpan<byte> bytes)
    {
        long value = (sbyte)bytes[^1];
        for (int i = bytes.Length - 2; i >= 0; i--)
        {
            value = (value << 8) | bytes[i];
        }

        return value;
    }
}
