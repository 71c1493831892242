using System.Buffers.Binary;
using System.Text;

namespace V2V.Guest.Registry;

/// <summary>
/// A key of a <see cref="RegistryHive"/>. Subkeys and values are read on first use; a damaged
/// list, a list that names a key twice or points back up the tree, or a tree deeper than Windows
/// allows throws <see cref="V2V.Core.Errors.InvalidImageException"/> naming the cell offset.
/// </summary>
public sealed class RegistryKey
{
    /// <summary>Windows refuses to create keys deeper than this; a deeper chain is a loop or damage.</summary>
    public const int MaxDepth = 512;

    private readonly RegistryHive _hive;
    private readonly KeyNode _node;
    private IReadOnlyList<RegistryKey>? _subkeys;
    private IReadOnlyList<RegistryValue>? _values;

    internal RegistryKey(RegistryHive hive, KeyNode node, RegistryKey? parent)
    {
        _hive = hive;
        _node = node;
        Parent = parent;
        Depth = parent is null ? 0 : parent.Depth + 1;
        Path = parent is null ? "" : parent.Path.Length == 0 ? node.Name : parent.Path + "\\" + node.Name;
    }

    /// <summary>The key's own name (the root key's name is whatever Windows stored, e.g. "CMI-CreateHive{...}").</summary>
    public string Name => _node.Name;

    /// <summary>Names from the root's child down to this key, joined with '\'; "" for the root.</summary>
    public string Path { get; }

    public RegistryKey? Parent { get; }

    public int Depth { get; }

    /// <summary>Last written time as a FILETIME (100 ns ticks since 1601-01-01 UTC).</summary>
    public long LastWrittenFileTime => _node.LastWritten;

    /// <summary>Last written time in UTC, or null when the stored FILETIME is out of DateTime's range.</summary>
    public DateTime? LastWritten => _node.LastWritten is >= 0 and <= 2650467743999999999 ? DateTime.FromFileTimeUtc(_node.LastWritten) : null;

    /// <summary>True for a symbolic link key (its target is the REG_LINK value "SymbolicLinkValue").</summary>
    public bool IsSymbolicLink => (_node.Flags & KeyNode.SymbolicLinkFlag) != 0;

    internal uint CellOffset => _node.CellOffset;

    /// <summary>The class name (UTF-16LE), or null when the key has none.</summary>
    public string? ClassName
    {
        get
        {
            if (_node.ClassName == HiveBins.None || _node.ClassLength == 0)
            {
                return null;
            }

            var cell = _hive.Bins.Cell(_node.ClassName, $"class name of the key at 0x{_node.CellOffset:X}");
            if (_node.ClassLength > cell.Length)
            {
                throw HiveBins.Damaged(_hive.File, $"class name of the key at 0x{_node.CellOffset:X} is {_node.ClassLength} bytes, longer than its cell");
            }

            return Encoding.Unicode.GetString(cell[..(_node.ClassLength & ~1)]);
        }
    }

    public IReadOnlyList<RegistryKey> Subkeys => _subkeys ??= ReadSubkeys();

    public IReadOnlyList<RegistryValue> Values => _values ??= ReadValues();

    /// <summary>The subkey called <paramref name="name"/> (compared as Windows does, ignoring case), or null.</summary>
    public RegistryKey? Subkey(string name) => Subkeys.FirstOrDefault(k => RegistryNames.EqualsIgnoreCase(k.Name, name));

    /// <summary>The value called <paramref name="name"/> ("" = the default value), ignoring case, or null.</summary>
    public RegistryValue? Value(string name) => Values.FirstOrDefault(v => RegistryNames.EqualsIgnoreCase(v.Name, name));

    /// <summary>The key's self-relative security descriptor, from its sk cell.</summary>
    public byte[] SecurityDescriptor() => KeySecurity.ReadDescriptor(_hive.Bins, _node.Security);

    public override string ToString() => Path.Length == 0 ? "\\" : Path;

    /// <summary>
    /// Reads every subkey and value list below this key once, keeping none of them, so that damage
    /// a whole walk finds reaches <see cref="RegistryHive.Findings"/>. Holds one path of keys at a
    /// time: <see cref="Subkeys"/> and <see cref="Values"/> keep what they read, which for a whole
    /// SYSTEM hive is hundreds of thousands of objects.
    /// </summary>
    internal void ReadTree()
    {
        _ = _values ?? ReadValues();
        foreach (var subkey in _subkeys ?? ReadSubkeys())
        {
            subkey.ReadTree();
        }
    }

    private List<RegistryKey> ReadSubkeys()
    {
        if (_node.SubkeyCount == 0)
        {
            return [];
        }

        if (Depth >= MaxDepth)
        {
            throw HiveBins.Damaged(_hive.File, $"key at 0x{_node.CellOffset:X} is {Depth} levels deep, deeper than Windows allows (a loop?)");
        }

        var offsets = new List<uint>();
        SubkeyList.Collect(_hive.Bins, _node.SubkeyList, _node.CellOffset, offsets);
        if (offsets.Count != _node.SubkeyCount)
        {
            _hive.AddFinding($"key at 0x{_node.CellOffset:X} says it has {_node.SubkeyCount} subkeys, its list holds {offsets.Count}; the list was used");
        }

        var keys = new List<RegistryKey>(offsets.Count);
        foreach (uint offset in offsets)
        {
            _hive.ClaimChild(offset, _node.CellOffset);
            keys.Add(new RegistryKey(_hive, KeyNode.Read(_hive.Bins, offset, $"subkey of the key at 0x{_node.CellOffset:X}"), this));
        }

        return keys;
    }

    private List<RegistryValue> ReadValues()
    {
        if (_node.ValueCount == 0)
        {
            return [];
        }

        var list = _hive.Bins.Cell(_node.ValueList, $"value list of the key at 0x{_node.CellOffset:X}");
        if (_node.ValueCount > list.Length / 4)
        {
            throw HiveBins.Damaged(_hive.File, $"key at 0x{_node.CellOffset:X} claims {_node.ValueCount} values, more than its value list at 0x{_node.ValueList:X} holds");
        }

        var values = new List<RegistryValue>((int)_node.ValueCount);
        for (int i = 0; i < _node.ValueCount; i++)
        {
            uint offset = BinaryPrimitives.ReadUInt32LittleEndian(list[(4 * i)..]);
            values.Add(new RegistryValue(_hive.Bins, KeyValueCell.Read(_hive.Bins, offset)));
        }

        return values;
    }
}
