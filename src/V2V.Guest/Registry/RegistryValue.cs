using System.Buffers.Binary;
using System.Text;

namespace V2V.Guest.Registry;

/// <summary>
/// A value of a key: its name ("" for the default value), type and raw data (read on first use).
/// The typed views follow the data types of the regf specification; each throws
/// <see cref="InvalidOperationException"/> when the data cannot be read that way.
/// </summary>
public sealed class RegistryValue
{
    private readonly HiveBins _bins;
    private readonly KeyValueCell _cell;
    private byte[]? _data;

    internal RegistryValue(HiveBins bins, KeyValueCell cell)
    {
        _bins = bins;
        _cell = cell;
    }

    public string Name => _cell.Name;

    /// <summary>The stored type number; compare with <see cref="RegistryValueType"/> (unknown numbers are kept).</summary>
    public RegistryValueType Type => (RegistryValueType)_cell.Type;

    /// <summary>The data bytes exactly as stored (big data reassembled). Throws InvalidImageException when the data cells are damaged.</summary>
    public ReadOnlyMemory<byte> Data => _data ??= BigData.Read(_bins, _cell);

    /// <summary>REG_SZ/EXPAND_SZ/LINK (or any type) as UTF-16LE text, up to the first NUL.</summary>
    public string AsString()
    {
        string text = Encoding.Unicode.GetString(Data.Span[..(Data.Length & ~1)]);
        int nul = text.IndexOf('\0', StringComparison.Ordinal);
        return nul >= 0 ? text[..nul] : text;
    }

    /// <summary>REG_MULTI_SZ as its strings (the list ends at the first empty string).</summary>
    public IReadOnlyList<string> AsMultiString()
    {
        string text = Encoding.Unicode.GetString(Data.Span[..(Data.Length & ~1)]);
        var strings = new List<string>();
        foreach (string part in text.Split('\0'))
        {
            if (part.Length == 0)
            {
                break;
            }

            strings.Add(part);
        }

        return strings;
    }

    /// <summary>REG_DWORD (little-endian) or REG_DWORD_BIG_ENDIAN as a number.</summary>
    public uint AsDword()
    {
        if (Data.Length < 4)
        {
            throw new InvalidOperationException($"value \"{Name}\" holds {Data.Length} bytes, not a DWORD");
        }

        return Type == RegistryValueType.DwordBigEndian
            ? BinaryPrimitives.ReadUInt32BigEndian(Data.Span)
            : BinaryPrimitives.ReadUInt32LittleEndian(Data.Span);
    }

    /// <summary>REG_QWORD as a number.</summary>
    public ulong AsQword() => Data.Length >= 8
        ? BinaryPrimitives.ReadUInt64LittleEndian(Data.Span)
        : throw new InvalidOperationException($"value \"{Name}\" holds {Data.Length} bytes, not a QWORD");

    public override string ToString() => $"{Name} ({Type})";
}
