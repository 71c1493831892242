using System.Buffers.Binary;
using System.Text;

namespace V2V.Guest.Partitions;

/// <summary>
/// One GPT partition entry (UEFI 2.10 §5.3.3): type GUID, unique GUID, first and last LBA
/// (inclusive), attribute bits and a 36-character UTF-16 name.
/// </summary>
public sealed record GptPartitionEntry(Guid TypeGuid, Guid UniqueGuid, long FirstLba, long LastLba, ulong Attributes, string Name)
{
    public bool IsUnused => TypeGuid == Guid.Empty;

    public static GptPartitionEntry Read(ReadOnlySpan<byte> entry)
    {
        string name = Encoding.Unicode.GetString(entry.Slice(56, 72));
        int end = name.IndexOf('\0', StringComparison.Ordinal);
        return new GptPartitionEntry(
            new Guid(entry[..16]),
            new Guid(entry.Slice(16, 16)),
            BinaryPrimitives.ReadInt64LittleEndian(entry[32..]),
            BinaryPrimitives.ReadInt64LittleEndian(entry[40..]),
            BinaryPrimitives.ReadUInt64LittleEndian(entry[48..]),
            end < 0 ? name : name[..end]);
    }
}
