using System.Buffers.Binary;

namespace V2V.DiskFormats.Vhd;

public enum VhdDiskType : uint
{
    Fixed = 2,
    Dynamic = 3,
    Differencing = 4,
}

/// <summary>
/// The 512-byte VHD footer (big-endian): at the end of every VHD and copied at offset 0 of dynamic
/// and differencing files. The checksum is the one's complement of the byte sum without itself.
/// </summary>
public sealed record VhdFooter(
    uint Features,
    uint FormatVersion,
    ulong DataOffset,
    uint Timestamp,
    string CreatorApplication,
    uint CreatorVersion,
    uint CreatorHostOs,
    ulong OriginalSize,
    ulong CurrentSize,
    VhdGeometry Geometry,
    VhdDiskType DiskType,
    Guid UniqueId)
{
    public const int Size = 512;
    public const ulong NoDataOffset = 0xFFFFFFFFFFFFFFFF;
    private const int ChecksumOffset = 64;

    public static ReadOnlySpan<byte> Cookie => "conectix"u8;

    public static bool HasCookie(ReadOnlySpan<byte> data) => data.Length >= 8 && data[..8].SequenceEqual(Cookie);

    /// <summary>Parses a footer, or null with the reason when the cookie or checksum is wrong.</summary>
    public static VhdFooter? TryRead(ReadOnlySpan<byte> data, out string? problem)
    {
        if (!HasCookie(data))
        {
            problem = "no \"conectix\" cookie";
            return null;
        }

        uint stored = BinaryPrimitives.ReadUInt32BigEndian(data[ChecksumOffset..]);
        if (stored != Checksum(data[..Size], ChecksumOffset))
        {
            // blktap once set the "hidden" byte (85) without updating the checksum.
            Span<byte> copy = stackalloc byte[Size];
            data[..Size].CopyTo(copy);
            copy[85] = 0;
            if (stored != Checksum(copy, ChecksumOffset))
            {
                problem = $"footer checksum mismatch (stored 0x{stored:X8}, computed 0x{Checksum(data[..Size], ChecksumOffset):X8})";
                return null;
            }
        }

        problem = null;
        return new VhdFooter(
            BinaryPrimitives.ReadUInt32BigEndian(data[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[12..]),
            BinaryPrimitives.ReadUInt64BigEndian(data[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[24..]),
            System.Text.Encoding.ASCII.GetString(data.Slice(28, 4)),
            BinaryPrimitives.ReadUInt32BigEndian(data[32..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[36..]),
            BinaryPrimitives.ReadUInt64BigEndian(data[40..]),
            BinaryPrimitives.ReadUInt64BigEndian(data[48..]),
            new VhdGeometry(BinaryPrimitives.ReadUInt16BigEndian(data[56..]), data[58], data[59]),
            (VhdDiskType)BinaryPrimitives.ReadUInt32BigEndian(data[60..]),
            new Guid(data.Slice(68, 16), bigEndian: true));
    }

    public void Write(Span<byte> data)
    {
        data[..Size].Clear();
        Cookie.CopyTo(data);
        BinaryPrimitives.WriteUInt32BigEndian(data[8..], Features);
        BinaryPrimitives.WriteUInt32BigEndian(data[12..], FormatVersion);
        BinaryPrimitives.WriteUInt64BigEndian(data[16..], DataOffset);
        BinaryPrimitives.WriteUInt32BigEndian(data[24..], Timestamp);
        System.Text.Encoding.ASCII.GetBytes(CreatorApplication.PadRight(4).AsSpan(0, 4), data.Slice(28, 4));
        BinaryPrimitives.WriteUInt32BigEndian(data[32..], CreatorVersion);
        BinaryPrimitives.WriteUInt32BigEndian(data[36..], CreatorHostOs);
        BinaryPrimitives.WriteUInt64BigEndian(data[40..], OriginalSize);
        BinaryPrimitives.WriteUInt64BigEndian(data[48..], CurrentSize);
        BinaryPrimitives.WriteUInt16BigEndian(data[56..], Geometry.Cylinders);
        data[58] = Geometry.Heads;
        data[59] = Geometry.SectorsPerTrack;
        BinaryPrimitives.WriteUInt32BigEndian(data[60..], (uint)DiskType);
        UniqueId.TryWriteBytes(data.Slice(68, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteUInt32BigEndian(data[ChecksumOffset..], Checksum(data[..Size], ChecksumOffset));
    }

    /// <summary>One's complement of the sum of all bytes, the 4-byte checksum field counting as zero.</summary>
    public static uint Checksum(ReadOnlySpan<byte> data, int checksumOffset)
    {
        uint sum = 0;
        for (int i = 0; i < data.Length; i++)
        {
            if (i < checksumOffset || i >= checksumOffset + 4)
            {
                sum += data[i];
            }
        }

        return ~sum;
    }

    /// <summary>
    /// The virtual size. Virtual PC and plain qemu ("vpc ", "qemu") meant the CHS size; everyone else
    /// (Hyper-V, Disk2vhd, XenServer, Azure, qemu with force_size) means currentSize — and a footer
    /// whose CHS is the maximum 65535/16/255 always means currentSize.
    /// </summary>
    public long VirtualSize => UsesChsSize ? Geometry.Bytes : (long)Math.Min(CurrentSize, long.MaxValue);

    public bool UsesChsSize => CreatorApplication is "vpc " or "qemu" && !Geometry.IsMaximum;
}
