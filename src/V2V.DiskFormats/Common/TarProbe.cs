using System.Text;

namespace V2V.DiskFormats.Common;

/// <summary>
/// Recognises a tar archive from its first 512-byte header (checksum verified, V7 or ustar) and
/// names its first member: OVA packages start with the .ovf, XVA exports with ova.xml.
/// </summary>
public static class TarProbe
{
    public static string? FirstMemberName(ReadOnlySpan<byte> head)
    {
        if (head.Length < 512)
        {
            return null;
        }

        var header = head[..512];
        // The checksum field: octal digits, padded with spaces or NULs on either side.
        var field = header.Slice(148, 8).Trim(" \0"u8);
        long stored = 0;
        foreach (byte b in field)
        {
            if (b is < (byte)'0' or > (byte)'7')
            {
                return null;
            }

            stored = stored * 8 + (b - '0');
        }

        long sum = 0;
        for (int i = 0; i < 512; i++)
        {
            sum += i is >= 148 and < 156 ? ' ' : header[i];
        }

        if (field.IsEmpty || sum != stored)
        {
            return null;
        }

        string name = Field(header[..100]);
        if (header.Slice(257, 5).SequenceEqual("ustar"u8))
        {
            string prefix = Field(header.Slice(345, 155));
            if (prefix.Length > 0)
            {
                name = prefix + "/" + name;
            }
        }

        return name.Length == 0 ? null : name;
    }

    private static string Field(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end >= 0 ? field[..end] : field);
    }
}
