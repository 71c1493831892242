using V2V.Guest.Registry;

namespace V2V.Guest.Fixups;

/// <summary>
/// A <see cref="HiveWriter"/> whose every change is recorded: per value, the type and data before
/// the first change and after the last (a value set back to what it was drops out), and the keys created.
/// </summary>
internal sealed class JournaledHive(HiveWriter writer, string hivePath)
{
    private readonly Dictionary<(string Key, string Value), (RegistryValueType Type, byte[] Data)?> _original = [];
    private readonly List<(string Key, string Value)> _order = [];
    private readonly List<string> _created = [];

    public HiveWriter Writer => writer;

    public string HivePath => hivePath;

    public IReadOnlyList<string> CreatedKeys => _created;

    public (RegistryValueType Type, byte[] Data)? Get(string key, string value) => writer.GetValue(key, value);

    public uint? Dword(string key, string value) =>
        Get(key, value) is { Data.Length: 4 } v && v.Type == RegistryValueType.Dword ? BitConverter.ToUInt32(v.Data) : null;

    public bool KeyExists(string key) => writer.KeyExists(key);

    public IReadOnlyList<string> SubkeyNames(string key) => writer.SubkeyNames(key);

    public void CreateKey(string key)
    {
        var parts = key.Split('\\');
        for (int i = 1; i <= parts.Length; i++)
        {
            string path = string.Join('\\', parts[..i]);
            if (!writer.KeyExists(path))
            {
                writer.CreateKey(path);
                _created.Add(writer.StoredPath(path)!);
            }
        }
    }

    /// <summary>Sets a value unless it already holds exactly this; true when it changed.</summary>
    public bool Set(string key, string value, RegistryValueType type, byte[] data)
    {
        var old = writer.GetValue(key, value);
        if (old is { } current && current.Type == type && current.Data.AsSpan().SequenceEqual(data))
        {
            return false;
        }

        Remember(key, value, old);
        writer.SetValue(key, value, type, data);
        return true;
    }

    public bool Delete(string key, string value)
    {
        var old = writer.GetValue(key, value);
        if (old is null)
        {
            return false;
        }

        Remember(key, value, old);
        return writer.DeleteValue(key, value);
    }

    public IEnumerable<RegistryChange> Changes()
    {
        foreach (var id in _order)
        {
            var before = _original[id];
            var after = writer.GetValue(id.Key, id.Value);
            if (before is { } b && after is { } a && b.Type == a.Type && b.Data.AsSpan().SequenceEqual(a.Data))
            {
                continue;
            }

            yield return new RegistryChange(hivePath, id.Key, id.Value, TypeName(before?.Type), Hex(before?.Data), TypeName(after?.Type), Hex(after?.Data));
        }
    }

    private void Remember(string key, string value, (RegistryValueType, byte[])? old)
    {
        key = writer.StoredPath(key) ?? key;
        if (_original.TryAdd((key, value), old))
        {
            _order.Add((key, value));
        }
    }

    private static string? Hex(byte[]? data) => data is null ? null : Convert.ToHexStringLower(data);

    internal static string? TypeName(RegistryValueType? type) => type switch
    {
        null => null,
        RegistryValueType.None => "REG_NONE",
        RegistryValueType.String => "REG_SZ",
        RegistryValueType.ExpandString => "REG_EXPAND_SZ",
        RegistryValueType.Binary => "REG_BINARY",
        RegistryValueType.Dword => "REG_DWORD",
        RegistryValueType.DwordBigEndian => "REG_DWORD_BIG_ENDIAN",
        RegistryValueType.Link => "REG_LINK",
        RegistryValueType.MultiString => "REG_MULTI_SZ",
        RegistryValueType.Qword => "REG_QWORD",
        _ => $"0x{(uint)type:X}",
    };
}
