namespace V2V.Guest.Ntfs;

/// <summary>Encodes a runlist (mapping pairs) as <see cref="MappingPairs"/> decodes it: the fewest signed bytes per length and LCN delta, a 0x00 end.</summary>
internal static class MappingPairsWriter
{
    public static byte[] Encode(IReadOnlyList<DataRun> runs)
    {
        var bytes = new List<byte>();
        long previous = 0;
        foreach (var run in runs)
        {
            var length = Signed(run.Length);
            var delta = run.IsSparse ? [] : Signed(run.Lcn - previous);
            bytes.Add((byte)((delta.Length << 4) | length.Length));
            bytes.AddRange(length);
            bytes.AddRange(delta);
            if (!run.IsSparse)
            {
                previous = run.Lcn;
            }
        }

        bytes.Add(0);
        return [.. bytes];
    }

    /// <summary>The fewest little-endian bytes whose sign-extended value is <paramref name="value"/>.</summary>
    private static byte[] Signed(long value)
    {
        var bytes = new List<byte>();
        do
        {
            bytes.Add((byte)value);
            value >>= 8;
        }
        while (!((value == 0 && (bytes[^1] & 0x80) == 0) || (value == -1 && (bytes[^1] & 0x80) != 0)));
        return [.. bytes];
    }
}
