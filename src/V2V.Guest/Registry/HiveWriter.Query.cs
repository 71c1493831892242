using System.Buffers.Binary;

namespace V2V.Guest.Registry;

/// <summary>Reading the hive as edited so far, without a full re-read: a value's type and data, a key's subkey names.</summary>
public sealed partial class HiveWriter
{
    /// <summary>The type and data of value <paramref name="name"/> of <paramref name="keyPath"/> as edited so far, or null when either is absent.</summary>
    public (RegistryValueType Type, byte[] Data)? GetValue(string keyPath, string name)
    {
        if (FindKey(keyPath) is not { } key || FindValue(key, name, out uint vk) < 0)
        {
            return null;
        }

        var cell = Vk(vk);
        uint size = U32(cell, 4);
        uint offset = U32(cell, 8);
        var type = (RegistryValueType)U32(cell, 12);
        if ((size & InlineFlag) != 0)
        {
            var inline = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(inline, offset);
            return (type, inline[..(int)Math.Min(size & ~InlineFlag, 4)]);
        }

        if (size == 0)
        {
            return (type, []);
        }

        var data = _cells.Cell(offset, "value data");
        if (size > BigData.SegmentSize && data.Length >= 8 && data[..2].SequenceEqual("db"u8))
        {
            var result = new List<byte>();
            int count = BinaryPrimitives.ReadUInt16LittleEndian(data[2..]);
            var segments = _cells.Cell(U32(data, 4), "big data segment list");
            for (int i = 0; i < count && i * 4 < segments.Length && result.Count < size; i++)
            {
                var segment = _cells.Cell(BinaryPrimitives.ReadUInt32LittleEndian(segments[(4 * i)..]), "big data segment");
                result.AddRange(segment[..(int)Math.Min(segment.Length, Math.Min(BigData.SegmentSize, size - result.Count))].ToArray());
            }

            return (type, [.. result]);
        }

        return size <= data.Length ? (type, data[..(int)size].ToArray()) : throw HiveBins.Damaged(_file, $"key value at 0x{vk:X} has more data than its cell holds");
    }

    /// <summary>The existing key path <paramref name="keyPath"/> with each name spelled as stored (letter case), or null when absent.</summary>
    public string? StoredPath(string keyPath)
    {
        var names = keyPath.Split('\\', StringSplitOptions.RemoveEmptyEntries);
        var stored = new List<string>(names.Length);
        for (int i = 1; i <= names.Length; i++)
        {
            if (FindKey(string.Join('\\', names[..i])) is not { } key)
            {
                return null;
            }

            stored.Add(KeyName(key));
        }

        return string.Join('\\', stored);
    }

    /// <summary>The names of the subkeys of <paramref name="keyPath"/> (empty when the key is absent).</summary>
    public IReadOnlyList<string> SubkeyNames(string keyPath) =>
        FindKey(keyPath) is { } key ? Subkeys(key).Select(KeyName).ToList() : [];
}
