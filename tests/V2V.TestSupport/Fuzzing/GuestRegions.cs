using System.Buffers.Binary;
using System.IO.Hashing;
using V2V.Guest.Ntfs;
using V2V.Guest.Registry;

namespace V2V.TestSupport.Fuzzing;

/// <summary>
/// Byte ranges of a base image that a fuzz input stands for: <see cref="Cut"/> joins them into a
/// seed, <see cref="Pack"/> writes an input back over them in a copy of the image (what the input
/// lacks becomes zeros, what it has beyond them is dropped), so mutations land on the structures
/// and the rest of the image stays valid.
/// </summary>
public sealed class GuestRegions(byte[] image, IReadOnlyList<(long Offset, int Length)> regions)
{
    /// <summary>MBR, GPT header and entries, and the EBRs the fuzz disk puts at sectors 41 and 199.</summary>
    public const int PartitionHeadBytes = 200 * 512;

    private static readonly string[] MultiSectorSignatures = ["FILE", "INDX", "RSTR", "RCRD"];

    public IReadOnlyList<(long Offset, int Length)> Regions => regions;

    /// <summary>The regions of <paramref name="from"/> (the base image or another of the same layout), joined.</summary>
    public byte[] Cut(byte[] from) => [.. regions.SelectMany(r => from.AsSpan((int)r.Offset, r.Length).ToArray())];

    /// <summary>As <see cref="Cut"/>, with every NTFS multi-sector record's update sequence undone (the bytes as the reader sees them after its fixups).</summary>
    public byte[] CutUnprotected(byte[] from)
    {
        var cut = Cut(from);
        int at = 0;
        foreach (var (_, length) in regions)
        {
            Unprotect(cut.AsSpan(at, length));
            at += length;
        }

        return cut;
    }

    /// <summary>A copy of the base image with <paramref name="input"/> over the regions; <paramref name="fix"/> (if any) rewrites each region's bytes first.</summary>
    public byte[] Pack(byte[] input, Func<byte[], byte[]>? fix = null)
    {
        var data = (byte[])image.Clone();
        int at = 0;
        foreach (var (offset, length) in regions)
        {
            var slice = new byte[length];
            if (at < input.Length)
            {
                input.AsSpan(at, Math.Min(length, input.Length - at)).CopyTo(slice);
            }

            (fix is null ? slice : fix(slice)).AsSpan(0, length).CopyTo(data.AsSpan((int)offset));
            at += length;
        }

        return data;
    }

    /// <summary>As <see cref="Pack"/>, with the update sequence of every region holding an NTFS multi-sector record applied again (USN at each 512-byte block's end, the bytes in the array).</summary>
    public byte[] PackProtected(byte[] input) => Pack(input, slice =>
    {
        Protect(slice);
        return slice;
    });

    /// <summary>
    /// The NTFS metadata of the volume at <paramref name="volume"/>: its boot sector, every MFT
    /// record in use (its $MFTMirr copies too), every index block and every $LogFile page, found by
    /// their signatures at the record and block sizes the boot sector gives.
    /// </summary>
    public static GuestRegions NtfsMetadata(byte[] image, long volume)
    {
        var boot = image.AsSpan((int)volume, 512);
        int cluster = BinaryPrimitives.ReadUInt16LittleEndian(boot[11..]) * boot[13];
        int recordSize = RecordSize((sbyte)boot[0x40], cluster);
        int indexSize = RecordSize((sbyte)boot[0x44], cluster);
        var regions = new List<(long, int)> { (volume, 512) };
        for (long at = volume; at + recordSize <= image.Length; at += 512)
        {
            var head = image.AsSpan((int)at, 4);
            if (head.SequenceEqual("FILE"u8) && at % recordSize == 0 && (image[at + 0x16] & 1) != 0)
            {
                regions.Add((at, recordSize));
            }
            else if (head.SequenceEqual("INDX"u8) && at % 4096 == 0 && at + indexSize <= image.Length)
            {
                regions.Add((at, indexSize));
            }
            else if ((head.SequenceEqual("RSTR"u8) || head.SequenceEqual("RCRD"u8)) && at % 4096 == 0 && at + 4096 <= image.Length)
            {
                regions.Add((at, 4096));
            }
        }

        return new GuestRegions(image, regions);
    }

    /// <summary>Where each of <paramref name="files"/> lies in the image (non-resident, contiguous: searched at 4 KiB steps).</summary>
    public static GuestRegions FileData(byte[] image, IEnumerable<byte[]> files)
    {
        var regions = new List<(long, int)>();
        foreach (var file in files)
        {
            long found = -1;
            for (long at = 0; at + file.Length <= image.Length && found < 0; at += 4096)
            {
                if (image.AsSpan((int)at, file.Length).SequenceEqual(file))
                {
                    found = at;
                }
            }

            Assert.That(found, Is.GreaterThanOrEqualTo(0), $"a {file.Length}-byte file is not stored contiguously and cluster-aligned in the image");
            regions.Add((found, file.Length));
        }

        return new GuestRegions(image, regions);
    }

    private static int RecordSize(sbyte clustersPerRecord, int cluster) => clustersPerRecord < 0 ? 1 << -clustersPerRecord : clustersPerRecord * cluster;

    /// <summary>Undoes a multi-sector record's update sequence with the reader's own code; a region that is no such record, or not a valid one, stays as it is.</summary>
    private static void Unprotect(Span<byte> record)
    {
        if (IsMultiSectorRecord(record))
        {
            try
            {
                UpdateSequence.Apply(record, "fuzz seed");
            }
            catch (NtfsCorruptException)
            {
                // Not a record the reader would take either: cut as it is.
            }
        }
    }

    /// <summary>Applies a multi-sector record's update sequence with the writer's own code (the USN moves on by one); a mutated array that does not fit leaves the record as it is.</summary>
    public static void Protect(Span<byte> record)
    {
        if (IsMultiSectorRecord(record))
        {
            try
            {
                UpdateSequenceWriter.Protect(record);
            }
            catch (NtfsCorruptException)
            {
                // The mutation broke the array itself: the reader meets that as it is.
            }
        }
    }

    private static bool IsMultiSectorRecord(ReadOnlySpan<byte> record) =>
        record.Length >= 512 && MultiSectorSignatures.Contains(System.Text.Encoding.ASCII.GetString(record[..4]));
}

/// <summary>The guards of guest structures, recomputed after a mutation.</summary>
public static class GuestChecksums
{
    /// <summary>The GPT header's entry-array CRC-32 and its own CRC-32 (UEFI 2.x, 5.3.2), when they lie within <paramref name="head"/>.</summary>
    public static byte[] FixGpt(byte[] head)
    {
        var data = (byte[])head.Clone();
        if (data.Length < 1024 || !data.AsSpan(512, 8).SequenceEqual("EFI PART"u8))
        {
            return data;
        }

        var header = data.AsSpan(512, 512);
        long entries = BinaryPrimitives.ReadInt64LittleEndian(header[72..]);
        long arrayBytes = (long)BinaryPrimitives.ReadUInt32LittleEndian(header[80..]) * BinaryPrimitives.ReadUInt32LittleEndian(header[84..]);
        if (entries is > 0 and < 1 << 20 && arrayBytes <= data.Length && (entries * 512) + arrayBytes <= data.Length)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header[88..], Crc32.HashToUInt32(data.AsSpan((int)(entries * 512), (int)arrayBytes)));
        }

        int size = (int)Math.Clamp(BinaryPrimitives.ReadUInt32LittleEndian(header[12..]), 92u, 512u);
        header[16..20].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], Crc32.HashToUInt32(header[..size]));
        return data;
    }

    /// <summary>The regf base block's checksum (XOR of its first 127 little-endian dwords, 0 and ~0 avoided), when <paramref name="hive"/> starts with "regf".</summary>
    public static byte[] FixRegf(byte[] hive)
    {
        var data = (byte[])hive.Clone();
        if (data.Length < 512 || !data.AsSpan(0, 4).SequenceEqual("regf"u8))
        {
            return data;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(RegfBaseBlock.ChecksummedBytes), RegfBaseBlock.ComputeChecksum(data));
        return data;
    }
}
