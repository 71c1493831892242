using System.Buffers.Binary;
using System.Text;

namespace V2V.Guest.Registry;

/// <summary>
/// Value data as a hive stores it ("Data types" in the regf specification): REG_SZ and
/// REG_EXPAND_SZ as UTF-16LE with their NUL, REG_MULTI_SZ as NUL-terminated strings and an extra
/// NUL, REG_DWORD as 4 little-endian bytes.
/// </summary>
public static class RegistryData
{
    public static byte[] Text(string text) => Encoding.Unicode.GetBytes(text + "\0");

    public static byte[] MultiString(IEnumerable<string> strings) =>
        Encoding.Unicode.GetBytes(string.Concat(strings.Select(s => s + "\0")) + "\0");

    public static byte[] Dword(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }
}
