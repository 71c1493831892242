using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace V2V.Guest.Registry;

/// <summary>
/// Edits a hive in memory and gives back the whole file (regf specification; hivex's write.c is
/// the reference for what Windows accepts). Starts from the image <see cref="RegistryHive"/> read,
/// so a dirty hive is edited after its logs were replayed and <see cref="Commit"/> writes it back
/// clean: equal sequence numbers (one past the highest), a fresh timestamp, the base-block checksum.
/// Values are overwritten in place when the new data fits the old cell; new cells reuse free
/// cells first; a new hbin is appended only when none fits (<see cref="Grown"/> bytes). Keys are
/// inserted in their parent's subkey list in Windows' sorted order. Not thread-safe.
/// </summary>
public sealed partial class HiveWriter
{
    private const int NkNameStart = 76;
    private const int VkNameStart = 20;
    private const uint InlineFlag = 0x80000000;
    private readonly string _file;
    private readonly CellAllocator _cells;
    private readonly Dictionary<string, uint> _keys = new(StringComparer.OrdinalIgnoreCase);
    private readonly long _now;

    private HiveWriter(string file, byte[] image, int length, long now)
    {
        _file = file;
        _cells = new CellAllocator(file, image, length);
        _now = now;
        _keys[""] = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(36));
        MinorVersion = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(24));
    }

    /// <summary>True once any change was made (a commit is then needed).</summary>
    public bool Changed { get; private set; }

    /// <summary>Bytes the hive bins data grew by (new hbins), 0 when free cells sufficed.</summary>
    public long Grown => _cells.Grown;

    private uint MinorVersion { get; }

    /// <summary>
    /// A writer over a copy of <paramref name="hive"/>'s image (its logs already replayed).
    /// <paramref name="fileTime"/> (a FILETIME) stamps changed keys and the base block; default now.
    /// </summary>
    public static HiveWriter Open(RegistryHive hive, long? fileTime = null) =>
        new(hive.File, hive.Image.ToArray(), hive.Image.Length, fileTime ?? DateTime.UtcNow.ToFileTimeUtc());

    /// <summary>
    /// A writer that edits <paramref name="hive"/>'s own image in place (no copy of a hive that may
    /// be 100 MiB), using the room after it in its array for new bins: <paramref name="hive"/> must
    /// not be read afterwards. Copies when the image does not start an array.
    /// </summary>
    internal static HiveWriter Adopt(RegistryHive hive, long? fileTime = null)
    {
        long now = fileTime ?? DateTime.UtcNow.ToFileTimeUtc();
        return MemoryMarshal.TryGetArray(hive.Image, out var segment) && segment.Offset == 0
            ? new(hive.File, segment.Array!, segment.Count, now)
            : new(hive.File, hive.Image.ToArray(), hive.Image.Length, now);
    }

    /// <summary>A read-only view of the hive as edited so far (its base block is sealed first).</summary>
    public RegistryHive Read()
    {
        var image = _cells.Image.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(RegfBaseBlock.ChecksummedBytes), RegfBaseBlock.ComputeChecksum(image));
        return RegistryHive.Open(_file, image, []);
    }

    /// <summary>Whether the key at <paramref name="keyPath"/> ('\'-separated, case-insensitive) exists.</summary>
    public bool KeyExists(string keyPath) => FindKey(keyPath) is not null;

    /// <summary>Creates the key at <paramref name="keyPath"/> and any missing key above it; false when it existed.</summary>
    public bool CreateKey(string keyPath)
    {
        uint key = _keys[""];
        string path = "";
        bool created = false;
        foreach (string name in keyPath.Split('\\', StringSplitOptions.RemoveEmptyEntries))
        {
            path = path.Length == 0 ? name : path + "\\" + name;
            uint? child = FindKey(path);
            if (child is null)
            {
                child = AddSubkey(key, name);
                _keys[path] = child.Value;
                created = true;
            }

            key = child.Value;
        }

        return created;
    }

    /// <summary>
    /// Sets value <paramref name="name"/> ("" = default) of the existing key <paramref name="keyPath"/>
    /// to <paramref name="type"/> and <paramref name="data"/> (stored bytes: REG_SZ includes its UTF-16 NUL).
    /// </summary>
    /// <exception cref="KeyNotFoundException">The key does not exist.</exception>
    /// <exception cref="NotSupportedException">Data over 16344 bytes (big data cells are not written).</exception>
    public void SetValue(string keyPath, string name, RegistryValueType type, ReadOnlySpan<byte> data)
    {
        if (data.Length > BigData.SegmentSize)
        {
            throw new NotSupportedException($"{_file}: value \"{name}\" of {data.Length} bytes would need big data cells, which V2V does not write");
        }

        uint key = RequireKey(keyPath);
        int index = FindValue(key, name, out uint vk);
        if (index < 0)
        {
            vk = NewValueCell(name);
            AppendValue(key, vk);
        }

        StoreData(vk, type, data);
        var nk = Nk(key);
        SetMax(nk, 64, (uint)data.Length);
        Touch(nk);
        Changed = true;
    }

    /// <summary>Deletes value <paramref name="name"/> of <paramref name="keyPath"/>; false when the key or value does not exist.</summary>
    public bool DeleteValue(string keyPath, string name)
    {
        if (FindKey(keyPath) is not { } key)
        {
            return false;
        }

        int index = FindValue(key, name, out uint vk);
        if (index < 0)
        {
            return false;
        }

        var nk = Nk(key);
        uint count = U32(nk, 36);
        uint list = U32(nk, 40);
        var values = _cells.Cell(list, "value list");
        values[((index + 1) * 4)..((int)count * 4)].CopyTo(values[(index * 4)..]);
        FreeData(vk);
        _cells.Free(vk);
        nk = Nk(key);
        Set32(nk, 36, count - 1);
        if (count == 1)
        {
            _cells.Free(list);
            Set32(Nk(key), 40, HiveBins.None);
        }

        Touch(Nk(key));
        Changed = true;
        return true;
    }

    /// <summary>
    /// The whole hive file as edited: base block with both sequence numbers set to one past the
    /// highest, this writer's timestamp, file type 0 (primary) and its checksum; bytes after the
    /// hive bins that the original file held are kept. The result is the writer's own image (not a
    /// copy): it is valid until the next change.
    /// </summary>
    public ReadOnlyMemory<byte> Commit()
    {
        var image = _cells.Image.Span;
        uint sequence = Math.Max(BinaryPrimitives.ReadUInt32LittleEndian(image[4..]), BinaryPrimitives.ReadUInt32LittleEndian(image[8..])) + 1;
        BinaryPrimitives.WriteUInt32LittleEndian(image[4..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(image[8..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(image[12..], _now);
        BinaryPrimitives.WriteUInt32LittleEndian(image[28..], RegfBaseBlock.PrimaryFileType);
        BinaryPrimitives.WriteUInt32LittleEndian(image[RegfBaseBlock.ChecksummedBytes..], RegfBaseBlock.ComputeChecksum(image));
        return _cells.Image;
    }

    private uint RequireKey(string keyPath) => FindKey(keyPath) ?? throw new KeyNotFoundException($"{_file}: no key \"{keyPath}\"");

    /// <summary>The nk offset of a key path, walking from the deepest known ancestor (nk cells never move).</summary>
    private uint? FindKey(string keyPath)
    {
        var names = keyPath.Split('\\', StringSplitOptions.RemoveEmptyEntries);
        string path = string.Join('\\', names);
        if (_keys.TryGetValue(path, out uint known))
        {
            return known;
        }

        uint key = _keys[""];
        string walked = "";
        foreach (string name in names)
        {
            walked = walked.Length == 0 ? name : walked + "\\" + name;
            if (!_keys.TryGetValue(walked, out uint next))
            {
                uint? found = Subkeys(key).Cast<uint?>().FirstOrDefault(k => RegistryNames.EqualsIgnoreCase(KeyName(k!.Value), name));
                if (found is null)
                {
                    return null;
                }

                next = found.Value;
                _keys[walked] = next;
            }

            key = next;
        }

        return key;
    }

    private Span<byte> Nk(uint offset)
    {
        var cell = _cells.Cell(offset, "key node");
        return cell.Length >= NkNameStart && cell[..2].SequenceEqual("nk"u8) ? cell : throw HiveBins.Damaged(_file, $"key node at 0x{offset:X} is not an nk cell");
    }

    private Span<byte> Vk(uint offset)
    {
        var cell = _cells.Cell(offset, "key value");
        return cell.Length >= VkNameStart && cell[..2].SequenceEqual("vk"u8) ? cell : throw HiveBins.Damaged(_file, $"key value at 0x{offset:X} is not a vk cell");
    }

    private string KeyName(uint offset)
    {
        var nk = Nk(offset);
        int length = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(nk[72..]), nk.Length - NkNameStart);
        return RegistryNames.Decode(nk.Slice(NkNameStart, length), (BinaryPrimitives.ReadUInt16LittleEndian(nk[2..]) & KeyNode.CompressedNameFlag) != 0);
    }

    private string ValueName(uint offset)
    {
        var vk = Vk(offset);
        int length = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(vk[2..]), vk.Length - VkNameStart);
        return RegistryNames.Decode(vk.Slice(VkNameStart, length), (BinaryPrimitives.ReadUInt16LittleEndian(vk[16..]) & 1) != 0);
    }

    /// <summary>The index of value <paramref name="name"/> in the key's value list and its vk offset, or -1.</summary>
    private int FindValue(uint key, string name, out uint vk)
    {
        var nk = Nk(key);
        uint count = U32(nk, 36);
        vk = HiveBins.None;
        if (count == 0)
        {
            return -1;
        }

        var list = _cells.Cell(U32(nk, 40), "value list");
        if (count > list.Length / 4)
        {
            throw HiveBins.Damaged(_file, $"key at 0x{key:X} claims {count} values, more than its value list holds");
        }

        for (int i = 0; i < count; i++)
        {
            uint offset = BinaryPrimitives.ReadUInt32LittleEndian(list[(4 * i)..]);
            if (RegistryNames.EqualsIgnoreCase(ValueName(offset), name))
            {
                vk = offset;
                return i;
            }
        }

        return -1;
    }

    private uint NewValueCell(string name)
    {
        var (stored, compressed) = EncodeName(name);
        uint vk = _cells.Allocate(VkNameStart + stored.Length);
        var cell = _cells.Cell(vk, "new key value");
        "vk"u8.CopyTo(cell);
        BinaryPrimitives.WriteUInt16LittleEndian(cell[2..], (ushort)stored.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(cell[4..], InlineFlag);
        BinaryPrimitives.WriteUInt16LittleEndian(cell[16..], (ushort)(compressed ? 1 : 0));
        stored.CopyTo(cell[VkNameStart..]);
        return vk;
    }

    /// <summary>Adds a vk to the key's value list (in place when the list cell has room) and raises the max value name length.</summary>
    private void AppendValue(uint key, uint vk)
    {
        var nk = Nk(key);
        uint count = U32(nk, 36);
        uint list = U32(nk, 40);
        if (count == 0 || _cells.Cell(list, "value list").Length < (count + 1) * 4)
        {
            uint grown = _cells.Allocate((int)(count + 1) * 4);
            if (count > 0)
            {
                _cells.Cell(list, "value list")[..((int)count * 4)].CopyTo(_cells.Cell(grown, "value list"));
                _cells.Free(list);
            }

            list = grown;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(_cells.Cell(list, "value list")[((int)count * 4)..], vk);
        nk = Nk(key);
        Set32(nk, 36, count + 1);
        Set32(nk, 40, list);
        SetMax(nk, 60, (uint)ValueName(vk).Length * 2);
    }

    /// <summary>Stores data inline (≤ 4 bytes), in the old data cell when it fits, else in a new cell (the old one freed).</summary>
    private void StoreData(uint vk, RegistryValueType type, ReadOnlySpan<byte> data)
    {
        var cell = Vk(vk);
        uint size = U32(cell, 4);
        uint offset = U32(cell, 8);
        bool hasCell = (size & InlineFlag) == 0 && (size & ~InlineFlag) > 0 && offset != HiveBins.None;
        bool isBig = hasCell && (size & ~InlineFlag) > BigData.SegmentSize;
        uint newOffset;
        if (data.Length <= 4)
        {
            FreeData(vk);
            Span<byte> inline = stackalloc byte[4];
            inline.Clear();
            data.CopyTo(inline);
            newOffset = BinaryPrimitives.ReadUInt32LittleEndian(inline);
            size = (uint)data.Length | InlineFlag;
        }
        else if (hasCell && !isBig && _cells.Cell(offset, "value data").Length >= data.Length)
        {
            data.CopyTo(_cells.Cell(offset, "value data"));
            newOffset = offset;
            size = (uint)data.Length;
        }
        else
        {
            FreeData(vk);
            newOffset = _cells.Allocate(data.Length);
            data.CopyTo(_cells.Cell(newOffset, "value data"));
            size = (uint)data.Length;
        }

        cell = Vk(vk);
        Set32(cell, 4, size);
        Set32(cell, 8, newOffset);
        Set32(cell, 12, (uint)type);
    }

    /// <summary>Frees a value's data cells (one cell, or a big data record with its list and segments).</summary>
    private void FreeData(uint vk)
    {
        var cell = Vk(vk);
        uint size = U32(cell, 4);
        uint offset = U32(cell, 8);
        if ((size & InlineFlag) != 0 || size == 0 || offset == HiveBins.None)
        {
            return;
        }

        var data = _cells.Cell(offset, "value data");
        if (size > BigData.SegmentSize && data.Length >= 8 && data[..2].SequenceEqual("db"u8))
        {
            int count = BinaryPrimitives.ReadUInt16LittleEndian(data[2..]);
            uint list = U32(data, 4);
            var segments = _cells.Cell(list, "big data segment list");
            var offsets = new uint[Math.Min(count, segments.Length / 4)];
            for (int i = 0; i < offsets.Length; i++)
            {
                offsets[i] = BinaryPrimitives.ReadUInt32LittleEndian(segments[(4 * i)..]);
            }

            Array.ForEach(offsets, _cells.Free);
            _cells.Free(list);
        }

        _cells.Free(offset);
        cell = Vk(vk);
        Set32(cell, 4, InlineFlag);
        Set32(cell, 8, 0);
    }

    private static (byte[] Stored, bool Compressed) EncodeName(string name) =>
        name.All(c => c <= 0xFF) ? (Encoding.Latin1.GetBytes(name), true) : (Encoding.Unicode.GetBytes(name), false);

    /// <summary>Raises a max-length field (only its low 16 bits for the subkey name, whose upper bits are flags).</summary>
    private static void SetMax(Span<byte> nk, int at, uint value)
    {
        uint old = U32(nk, at);
        if (at == 52)
        {
            if ((old & 0xFFFF) < value)
            {
                Set32(nk, at, (old & 0xFFFF0000) | Math.Min(value, 0xFFFF));
            }
        }
        else if (old < value)
        {
            Set32(nk, at, value);
        }
    }

    private void Touch(Span<byte> nk) => BinaryPrimitives.WriteInt64LittleEndian(nk[4..], _now);

    private static uint U32(ReadOnlySpan<byte> cell, int at) => BinaryPrimitives.ReadUInt32LittleEndian(cell[at..]);

    private static void Set32(Span<byte> cell, int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(cell[at..], value);
}
