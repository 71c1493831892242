using System.Buffers.Binary;
using System.Text;

namespace V2V.DiskFormats.Vhd;

/// <summary>A parent locator entry: where a platform-specific path to the parent is stored.</summary>
public readonly record struct VhdParentLocator(uint PlatformCode, uint DataSpace, uint DataLength, ulong DataOffset)
{
    public const uint W2ku = 0x57326B75; // absolute Windows path, UTF-16LE
    public const uint W2ru = 0x57327275; // relative Windows path, UTF-16LE
}

/// <summary>The 1024-byte dynamic disk header "cxsparse" (big-endian) of dynamic and differencing VHDs.</summary>
public sealed record VhdDynamicHeader(
    ulong TableOffset,
    uint MaxTableEntries,
    uint BlockSize,
    Guid ParentUniqueId,
    uint ParentTimestamp,
    string ParentName,
    IReadOnlyList<VhdParentLocator> Locators)
{
    public const int Size = 1024;
    private const int ChecksumOffset = 36;

    public static ReadOnlySpan<byte> Cookie => "cxsparse"u8;

    public static VhdDynamicHeader? TryRead(ReadOnlySpan<byte> data, out string? problem)
    {
        if (!data[..8].SequenceEqual(Cookie))
        {
            problem = "no \"cxsparse\" cookie";
            return null;
        }

        uint stored = BinaryPrimitives.ReadUInt32BigEndian(data[ChecksumOffset..]);
        uint actual = VhdFooter.Checksum(data[..Size], ChecksumOffset);
        if (stored != actual)
        {
            problem = $"dynamic header checksum mismatch (stored 0x{stored:X8}, computed 0x{actual:X8})";
            return null;
        }

        var name = Encoding.BigEndianUnicode.GetString(data.Slice(64, 512));
        int end = name.IndexOf('\0', StringComparison.Ordinal);
        var locators = new VhdParentLocator[8];
        for (int i = 0; i < 8; i++)
        {
            var l = data.Slice(576 + i * 24, 24);
            locators[i] = new VhdParentLocator(
                BinaryPrimitives.ReadUInt32BigEndian(l),
                BinaryPrimitives.ReadUInt32BigEndian(l[4..]),
                BinaryPrimitives.ReadUInt32BigEndian(l[8..]),
                BinaryPrimitives.ReadUInt64BigEndian(l[16..]));
        }

        problem = null;
        return new VhdDynamicHeader(
            BinaryPrimitives.ReadUInt64BigEndian(data[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[28..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[32..]),
            new Guid(data.Slice(40, 16), bigEndian: true),
            BinaryPrimitives.ReadUInt32BigEndian(data[56..]),
            end >= 0 ? name[..end] : name,
            locators);
    }

    public void Write(Span<byte> data)
    {
        data[..Size].Clear();
        Cookie.CopyTo(data);
        BinaryPrimitives.WriteUInt64BigEndian(data[8..], VhdFooter.NoDataOffset);
        BinaryPrimitives.WriteUInt64BigEndian(data[16..], TableOffset);
        BinaryPrimitives.WriteUInt32BigEndian(data[24..], 0x00010000);
        BinaryPrimitives.WriteUInt32BigEndian(data[28..], MaxTableEntries);
        BinaryPrimitives.WriteUInt32BigEndian(data[32..], BlockSize);
        ParentUniqueId.TryWriteBytes(data.Slice(40, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteUInt32BigEndian(data[56..], ParentTimestamp);
        Encoding.BigEndianUnicode.GetBytes(ParentName.Length > 255 ? ParentName[..255] : ParentName, data.Slice(64, 512));
        for (int i = 0; i < Math.Min(8, Locators.Count); i++)
        {
            var l = data.Slice(576 + i * 24, 24);
            BinaryPrimitives.WriteUInt32BigEndian(l, Locators[i].PlatformCode);
            BinaryPrimitives.WriteUInt32BigEndian(l[4..], Locators[i].DataSpace);
            BinaryPrimitives.WriteUInt32BigEndian(l[8..], Locators[i].DataLength);
            BinaryPrimitives.WriteUInt64BigEndian(l[16..], Locators[i].DataOffset);
        }

        BinaryPrimitives.WriteUInt32BigEndian(data[ChecksumOffset..], VhdFooter.Checksum(data[..Size], ChecksumOffset));
    }
}
