namespace V2V.Guest.Ntfs;

/// <summary>
/// The volume's $UpCase (MFT record 10): 65536 UTF-16 units, the uppercase of each unit. NTFS
/// compares file names after mapping each unit through it; the table differs between Windows
/// versions, so the volume's own copy is used (WINDOWS.md §8).
/// </summary>
internal sealed class UpCaseTable
{
    private readonly char[] _map;

    private UpCaseTable(char[] map) => _map = map;

    /// <summary>Builds the table from $UpCase's data; units past a short table map to themselves.</summary>
    public static UpCaseTable FromData(ReadOnlySpan<byte> data)
    {
        var map = new char[65536];
        for (int i = 0; i < map.Length; i++)
        {
            map[i] = 2 * i + 1 < data.Length ? (char)(data[2 * i] | (data[(2 * i) + 1] << 8)) : (char)i;
        }

        return new UpCaseTable(map);
    }

    public char ToUpper(char c) => _map[c];

    /// <summary>Orders two names as NTFS's file-name collation does, ignoring case (ntfs_names_full_collate, IGNORE_CASE).</summary>
    public int Compare(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        int common = Math.Min(a.Length, b.Length);
        for (int i = 0; i < common; i++)
        {
            int diff = _map[a[i]] - _map[b[i]];
            if (diff != 0)
            {
                return diff;
            }
        }

        return a.Length.CompareTo(b.Length);
    }
}
