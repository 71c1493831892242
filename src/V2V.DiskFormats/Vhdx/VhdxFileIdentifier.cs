using System.Text;

namespace V2V.DiskFormats.Vhdx;

/// <summary>The 64 KiB structure at offset 0: "vhdxfile" and the UTF-16 name of the program that made the file.</summary>
public sealed record VhdxFileIdentifier(string Creator)
{
    public const int Size = 64 * 1024;
    private const int CreatorBytes = 512;

    public static ReadOnlySpan<byte> Signature => "vhdxfile"u8;

    public static bool HasSignature(ReadOnlySpan<byte> head) => head.Length >= 8 && head[..8].SequenceEqual(Signature);

    public static VhdxFileIdentifier Read(ReadOnlySpan<byte> data)
    {
        var creator = Encoding.Unicode.GetString(data.Slice(8, CreatorBytes));
        int end = creator.IndexOf('\0', StringComparison.Ordinal);
        return new VhdxFileIdentifier(end >= 0 ? creator[..end] : creator);
    }

    public void Write(Span<byte> data)
    {
        data[..Size].Clear();
        Signature.CopyTo(data);
        var name = Creator.Length > CreatorBytes / 2 - 1 ? Creator[..(CreatorBytes / 2 - 1)] : Creator;
        Encoding.Unicode.GetBytes(name, data.Slice(8, CreatorBytes));
    }
}
