using System.Buffers.Binary;
using System.Text;

namespace V2V.Guest.Ntfs;

/// <summary>
/// A $FILE_NAME value ([NTFS3G-LAYOUT] FILE_NAME_ATTR), also the key of $I30 index entries:
/// parent reference (0), times (8-39, FILETIME), allocated and data size (40, 48; may be stale),
/// file attributes (56), name length in UTF-16 units (64), namespace (65: 0 POSIX, 1 Win32,
/// 2 DOS, 3 Win32 and DOS), name (66).
/// </summary>
public sealed record NtfsFileName(long ParentRecord, ushort ParentSequence, DateTime LastWriteUtc, long DataSize, uint FileAttributes, FileNameNamespace Namespace, string Name)
{
    /// <summary>FILE_ATTR_DUP_FILE_NAME_INDEX_PRESENT: the named record is a directory.</summary>
    public const uint DirectoryFlag = 0x10000000;

    public bool IsDirectory => (FileAttributes & DirectoryFlag) != 0;

    internal static NtfsFileName Parse(ReadOnlySpan<byte> value)
    {
        if (value.Length < 66 || 66 + (value[64] * 2) > value.Length)
        {
            throw new NtfsCorruptException($"$FILE_NAME of {value.Length} bytes is too short for its name");
        }

        long parent = BinaryPrimitives.ReadInt64LittleEndian(value);
        long fileTime = BinaryPrimitives.ReadInt64LittleEndian(value[16..]);
        return new NtfsFileName(
            parent & 0xFFFF_FFFF_FFFF,
            (ushort)(parent >>> 48),
            fileTime > 0 && fileTime < DateTime.MaxValue.ToFileTimeUtc() ? DateTime.FromFileTimeUtc(fileTime) : DateTime.MinValue,
            BinaryPrimitives.ReadInt64LittleEndian(value[48..]),
            BinaryPrimitives.ReadUInt32LittleEndian(value[56..]),
            (FileNameNamespace)value[65],
            Encoding.Unicode.GetString(value.Slice(66, value[64] * 2)));
    }
}

/// <summary>The namespace of a $FILE_NAME: which naming rules the name follows.</summary>
public enum FileNameNamespace : byte
{
    Posix = 0,
    Win32 = 1,
    Dos = 2,
    Win32AndDos = 3,
}
