using System.Buffers.Binary;
using System.Text;

namespace V2V.Guest.Ntfs;

/// <summary>
/// One attribute of an MFT record (WINDOWS.md §8, [NTFS3G-LAYOUT] ATTR_RECORD): type, length,
/// non-resident flag, name, flags (0x0001 compressed, 0x4000 encrypted, 0x8000 sparse), id;
/// resident: the value; non-resident: VCN range, compression unit, allocated/data/initialized
/// sizes and the decoded runlist.
/// </summary>
internal sealed class NtfsAttribute
{
    public const ushort FlagCompressed = 0x0001;
    public const ushort FlagEncrypted = 0x4000;
    public const ushort FlagSparse = 0x8000;

    private NtfsAttribute(AttributeType type, string name, ushort flags, ushort id, long recordNumber)
    {
        Type = type;
        Name = name;
        Flags = flags;
        Id = id;
        RecordNumber = recordNumber;
    }

    public AttributeType Type { get; }
    public string Name { get; }
    public ushort Flags { get; }
    public ushort Id { get; }

    /// <summary>The MFT record this attribute was read from (the base or an extension record).</summary>
    public long RecordNumber { get; }

    public bool IsResident => Value is not null;
    public byte[]? Value { get; private init; }
    public long LowestVcn { get; private init; }
    public long HighestVcn { get; private init; }
    public int CompressionUnitExponent { get; private init; }
    public long AllocatedSize { get; private init; }
    public long DataSize { get; private init; }
    public long InitializedSize { get; private init; }
    public IReadOnlyList<DataRun> Runs { get; private init; } = [];

    public bool IsCompressed => (Flags & FlagCompressed) != 0;
    public bool IsEncrypted => (Flags & FlagEncrypted) != 0;

    /// <summary>Parses the attribute occupying exactly <paramref name="attribute"/> (its declared length).</summary>
    public static NtfsAttribute Parse(ReadOnlySpan<byte> attribute, long recordNumber, long clusterCount)
    {
        var type = (AttributeType)BinaryPrimitives.ReadUInt32LittleEndian(attribute);
        bool nonResident = attribute[8] != 0;
        int nameLength = attribute[9];
        int nameOffset = BinaryPrimitives.ReadUInt16LittleEndian(attribute[10..]);
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(attribute[12..]);
        ushort id = BinaryPrimitives.ReadUInt16LittleEndian(attribute[14..]);
        if (nameLength > 0 && nameOffset + (nameLength * 2) > attribute.Length)
        {
            throw new NtfsCorruptException($"attribute 0x{(uint)type:X} id {id}: name runs past the attribute");
        }

        string name = nameLength == 0 ? "" : Encoding.Unicode.GetString(attribute.Slice(nameOffset, nameLength * 2));
        if (!nonResident)
        {
            if (attribute.Length < 24)
            {
                throw new NtfsCorruptException($"resident attribute 0x{(uint)type:X} id {id} is shorter than its header");
            }

            long valueLength = BinaryPrimitives.ReadUInt32LittleEndian(attribute[16..]);
            int valueOffset = BinaryPrimitives.ReadUInt16LittleEndian(attribute[20..]);
            if (valueOffset + valueLength > attribute.Length)
            {
                throw new NtfsCorruptException($"resident attribute 0x{(uint)type:X} id {id}: value ({valueLength} bytes at {valueOffset}) runs past the attribute");
            }

            byte[] value = attribute.Slice(valueOffset, (int)valueLength).ToArray();
            return new NtfsAttribute(type, name, flags, id, recordNumber) { Value = value, DataSize = value.Length, InitializedSize = value.Length, AllocatedSize = value.Length };
        }

        if (attribute.Length < 64)
        {
            throw new NtfsCorruptException($"non-resident attribute 0x{(uint)type:X} id {id} is shorter than its header");
        }

        long lowest = BinaryPrimitives.ReadInt64LittleEndian(attribute[16..]);
        long highest = BinaryPrimitives.ReadInt64LittleEndian(attribute[24..]);
        int pairsOffset = BinaryPrimitives.ReadUInt16LittleEndian(attribute[32..]);
        int unit = attribute[34];
        long allocated = BinaryPrimitives.ReadInt64LittleEndian(attribute[40..]);
        long dataSize = BinaryPrimitives.ReadInt64LittleEndian(attribute[48..]);
        long initialized = BinaryPrimitives.ReadInt64LittleEndian(attribute[56..]);
        if (lowest < 0 || highest < lowest - 1 || pairsOffset < 64 || pairsOffset >= attribute.Length || unit > 16
            || allocated < 0 || dataSize < 0 || initialized < 0)
        {
            throw new NtfsCorruptException($"non-resident attribute 0x{(uint)type:X} id {id}: header fields out of range (VCN {lowest}-{highest}, runlist at {pairsOffset}, sizes {allocated}/{dataSize}/{initialized})");
        }

        var (runs, next) = MappingPairs.Decode(attribute[pairsOffset..], lowest, clusterCount);
        if (next > highest + 1)
        {
            throw new NtfsCorruptException($"attribute 0x{(uint)type:X} id {id}: runlist reaches VCN {next - 1}, past its highest VCN {highest}");
        }

        return new NtfsAttribute(type, name, flags, id, recordNumber)
        {
            LowestVcn = lowest,
            HighestVcn = highest,
            CompressionUnitExponent = unit,
            AllocatedSize = allocated,
            DataSize = dataSize,
            InitializedSize = Math.Min(initialized, dataSize),
            Runs = runs,
        };
    }
}
