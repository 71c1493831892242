using System.Buffers.Binary;

namespace V2V.Guest.Ntfs;

/// <summary>
/// An MFT record after fixups (WINDOWS.md §8, [NTFS3G-LAYOUT] MFT_RECORD): "FILE", sequence
/// number (16), first attribute offset (20), flags (22: 1 in use, 2 directory), bytes in use (24),
/// base record reference (32; zero for a base record), then attributes up to the 0xFFFFFFFF end.
/// </summary>
internal sealed class MftRecord
{
    public const ushort FlagInUse = 0x0001;
    public const ushort FlagDirectory = 0x0002;

    private MftRecord(long number, ushort sequence, ushort flags, long baseRecord, List<NtfsAttribute> attributes)
    {
        Number = number;
        Sequence = sequence;
        Flags = flags;
        BaseRecord = baseRecord;
        Attributes = attributes;
    }

    public long Number { get; }
    public ushort Sequence { get; }
    public ushort Flags { get; }

    /// <summary>Record number of the base record, or 0 when this is a base record.</summary>
    public long BaseRecord { get; }

    public IReadOnlyList<NtfsAttribute> Attributes { get; }
    public bool InUse => (Flags & FlagInUse) != 0;
    public bool IsDirectory => (Flags & FlagDirectory) != 0;

    /// <summary>Applies the fixups to <paramref name="data"/> (one record, in place) and parses it.</summary>
    public static MftRecord Parse(Span<byte> data, long number, long clusterCount)
    {
        string what = $"MFT record {number}";
        if (data[..4].SequenceEqual("BAAD"u8))
        {
            throw new NtfsCorruptException($"{what} is marked BAAD (a failed multi-sector transfer)");
        }

        if (!data[..4].SequenceEqual("FILE"u8))
        {
            throw new NtfsCorruptException($"{what} has no \"FILE\" signature");
        }

        UpdateSequence.Apply(data, what);
        ushort sequence = BinaryPrimitives.ReadUInt16LittleEndian(data[16..]);
        int first = BinaryPrimitives.ReadUInt16LittleEndian(data[20..]);
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(data[22..]);
        long used = BinaryPrimitives.ReadUInt32LittleEndian(data[24..]);
        long baseRecord = BinaryPrimitives.ReadInt64LittleEndian(data[32..]) & 0xFFFF_FFFF_FFFF;
        if (used > data.Length || first < 24 || first + 8 > used)
        {
            throw new NtfsCorruptException($"{what}: first attribute offset {first} or bytes in use {used} is out of range");
        }

        var attributes = new List<NtfsAttribute>();
        int pos = first;
        while (true)
        {
            if (pos + 4 > used)
            {
                throw new NtfsCorruptException($"{what}: attributes run past the bytes in use without an end marker");
            }

            uint type = BinaryPrimitives.ReadUInt32LittleEndian(data[pos..]);
            if (type == (uint)AttributeType.End)
            {
                break;
            }

            long length = pos + 8 <= used ? BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]) : 0;
            if (length < 16 || (length & 7) != 0 || pos + length > used)
            {
                throw new NtfsCorruptException($"{what}: attribute at offset {pos} has an invalid length {length}");
            }

            try
            {
                attributes.Add(NtfsAttribute.Parse(data.Slice(pos, (int)length), number, clusterCount));
            }
            catch (NtfsCorruptException e)
            {
                throw new NtfsCorruptException($"{what}: {e.Message}");
            }

            pos += (int)length;
        }

        return new MftRecord(number, sequence, flags, baseRecord, attributes);
    }
}
