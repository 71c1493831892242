using System.Buffers.Binary;

namespace V2V.Guest.Registry;

/// <summary>
/// New keys: an nk sharing its parent's sk (whose reference count rises), inserted in the parent's
/// subkey list in sorted position (names compared uppercased, across the leaves of an <c>ri</c>
/// too, as Windows requires; hivex found that an unsorted list makes Windows miss keys). A leaf is
/// rewritten in a new cell of its own kind (<c>lh</c> with name hashes, <c>lf</c> with name hints,
/// <c>li</c>), the old one freed.
/// </summary>
public sealed partial class HiveWriter
{
    private const int MaxListElements = 0xFFFF;

    /// <summary>The nk offsets a key lists, in stored order.</summary>
    private List<uint> Subkeys(uint key)
    {
        var nk = Nk(key);
        var result = new List<uint>();
        if (U32(nk, 20) == 0)
        {
            return result;
        }

        uint list = U32(nk, 28);
        var cell = _cells.Cell(list, "subkey list");
        if (cell.Length >= 4 && cell[..2].SequenceEqual("ri"u8))
        {
            foreach (uint leaf in Elements(cell, list, 4))
            {
                result.AddRange(LeafElements(leaf));
            }
        }
        else
        {
            result.AddRange(LeafElements(list));
        }

        return result;
    }

    private uint[] LeafElements(uint leaf)
    {
        var cell = _cells.Cell(leaf, "subkey list");
        int stride = cell.Length < 4 ? 0 : cell[..2].SequenceEqual("li"u8) ? 4 : cell[..2].SequenceEqual("lf"u8) || cell[..2].SequenceEqual("lh"u8) ? 8 : 0;
        return stride > 0 ? Elements(cell, leaf, stride) : throw HiveBins.Damaged(_file, $"subkey list at 0x{leaf:X} is not an li/lf/lh leaf");
    }

    private uint[] Elements(ReadOnlySpan<byte> cell, uint offset, int stride)
    {
        int count = BinaryPrimitives.ReadUInt16LittleEndian(cell[2..]);
        if (4 + ((long)count * stride) > cell.Length)
        {
            throw HiveBins.Damaged(_file, $"subkey list at 0x{offset:X} claims {count} elements, more than its cell holds");
        }

        var elements = new uint[count];
        for (int i = 0; i < count; i++)
        {
            elements[i] = BinaryPrimitives.ReadUInt32LittleEndian(cell[(4 + (i * stride))..]);
        }

        return elements;
    }

    private uint AddSubkey(uint parent, string name)
    {
        if (name.Length > 255)
        {
            throw new ArgumentException($"key name \"{name}\" is longer than the 255 characters Windows allows", nameof(name));
        }

        var (stored, compressed) = EncodeName(name);
        uint child = _cells.Allocate(NkNameStart + stored.Length);
        uint security = U32(Nk(parent), 44);
        var nk = _cells.Cell(child, "new key node");
        "nk"u8.CopyTo(nk);
        BinaryPrimitives.WriteUInt16LittleEndian(nk[2..], compressed ? KeyNode.CompressedNameFlag : (ushort)0);
        BinaryPrimitives.WriteInt64LittleEndian(nk[4..], _now);
        Set32(nk, 16, parent);
        foreach (int at in (int[])[28, 32, 40, 48])
        {
            Set32(nk, at, HiveBins.None);
        }

        Set32(nk, 44, security);
        BinaryPrimitives.WriteUInt16LittleEndian(nk[72..], (ushort)stored.Length);
        stored.CopyTo(nk[NkNameStart..]);

        var sk = _cells.Cell(security, "key security");
        if (sk.Length < 20 || !sk[..2].SequenceEqual("sk"u8))
        {
            throw HiveBins.Damaged(_file, $"key security at 0x{security:X} is not an sk cell");
        }

        Set32(sk, 12, U32(sk, 12) + 1);
        InsertSorted(parent, child, name);
        var parentNk = Nk(parent);
        Set32(parentNk, 20, U32(parentNk, 20) + 1);
        SetMax(parentNk, 52, (uint)name.Length * 2);
        Touch(parentNk);
        Changed = true;
        return child;
    }

    private void InsertSorted(uint parent, uint child, string name)
    {
        var nk = Nk(parent);
        if (U32(nk, 20) == 0)
        {
            var kind = MinorVersion > 4 ? "lh"u8 : "lf"u8;
            uint first = _cells.Allocate(4 + Stride(kind));
            WriteLeaf(first, kind, [child]);
            Set32(Nk(parent), 28, first);
            return;
        }

        uint list = U32(nk, 28);
        var top = _cells.Cell(list, "subkey list");
        bool isRoot = top.Length >= 4 && top[..2].SequenceEqual("ri"u8);
        var leaves = isRoot ? Elements(top, list, 4) : [list];
        // The leaf whose last key sorts after the new name takes it; past every leaf, the last one.
        int target = leaves.Length - 1;
        for (int i = 0; i < leaves.Length; i++)
        {
            var elements = LeafElements(leaves[i]);
            if (elements.Length > 0 && Compare(KeyName(elements[^1]), name) > 0)
            {
                target = i;
                break;
            }
        }

        uint leaf = leaves[target];
        var keys = LeafElements(leaf).ToList();
        if (keys.Count >= MaxListElements)
        {
            throw new NotSupportedException($"{_file}: the subkey list at 0x{leaf:X} is full ({keys.Count} keys)");
        }

        int position = keys.FindIndex(k => Compare(KeyName(k), name) > 0);
        keys.Insert(position < 0 ? keys.Count : position, child);
        var signature = _cells.Cell(leaf, "subkey list")[..2].ToArray();
        uint rewritten = _cells.TryGrow(leaf, 4 + (keys.Count * Stride(signature))) ? leaf : _cells.Allocate(4 + (keys.Count * Stride(signature)));
        WriteLeaf(rewritten, signature, keys);
        if (rewritten != leaf)
        {
            _cells.Free(leaf);
        }

        if (isRoot)
        {
            Set32(_cells.Cell(list, "subkey list"), 4 + (target * 4), rewritten);
        }
        else
        {
            Set32(Nk(parent), 28, rewritten);
        }
    }

    private static int Stride(ReadOnlySpan<byte> signature) => signature.SequenceEqual("li"u8) ? 4 : 8;

    /// <summary>Writes a leaf list of <paramref name="signature"/> (li, lf or lh) holding <paramref name="keys"/> into the cell at <paramref name="leaf"/>.</summary>
    private void WriteLeaf(uint leaf, ReadOnlySpan<byte> signature, List<uint> keys)
    {
        int stride = Stride(signature);
        var names = keys.Select(KeyName).ToList();
        var cell = _cells.Cell(leaf, "subkey list");
        signature.CopyTo(cell);
        BinaryPrimitives.WriteUInt16LittleEndian(cell[2..], (ushort)keys.Count);
        for (int i = 0; i < keys.Count; i++)
        {
            var element = cell[(4 + (i * stride))..];
            Set32(element, 0, keys[i]);
            if (signature.SequenceEqual("lh"u8))
            {
                Set32(element, 4, RegistryNames.Hash(names[i]));
            }
            else if (signature.SequenceEqual("lf"u8))
            {
                // The name hint: the first four characters, one byte each (zero-padded).
                for (int c = 0; c < 4; c++)
                {
                    element[4 + c] = c < names[i].Length && names[i][c] <= 0xFF ? (byte)names[i][c] : (byte)0;
                }
            }
        }
    }

    /// <summary>Windows' key order: UTF-16 units compared after uppercasing.</summary>
    private static int Compare(string a, string b) => string.CompareOrdinal(a.ToUpperInvariant(), b.ToUpperInvariant());
}
