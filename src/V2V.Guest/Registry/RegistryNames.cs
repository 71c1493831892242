using System.Text;

namespace V2V.Guest.Registry;

/// <summary>
/// Key and value names as stored in nk/vk cells: either "compressed" (one byte per UTF-16 unit below
/// 256, i.e. Latin-1) or UTF-16LE. Windows compares them case-insensitively by uppercasing each unit.
/// </summary>
internal static class RegistryNames
{
    public static string Decode(ReadOnlySpan<byte> stored, bool compressed) =>
        compressed ? Encoding.Latin1.GetString(stored) : Encoding.Unicode.GetString(stored[..(stored.Length & ~1)]);

    public static bool EqualsIgnoreCase(string a, string b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && char.ToUpperInvariant(a[i]) != char.ToUpperInvariant(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The <c>lh</c> name hash: h = 37·h + upper(unit) over the UTF-16 units, from 0.</summary>
    public static uint Hash(string name)
    {
        uint h = 0;
        foreach (char c in name)
        {
            h = unchecked((37 * h) + char.ToUpperInvariant(c));
        }

        return h;
    }
}
