using System.Buffers.Binary;
using System.Text;
using V2V.TestSupport;

namespace V2V.Fuzz.Tests;

/// <summary>
/// A bare NTFS volume (no partition table) made by mkntfs with files put in by ntfscp (no mount),
/// and edits of its MFT records as bytes: the damage a fuzz finding had, rebuilt field by field.
/// </summary>
internal sealed class NtfsImage
{
    private NtfsImage(string path) => Path = path;

    public string Path { get; }

    /// <summary>A 4 MiB volume at <paramref name="path"/> holding each (name, content) at its root.</summary>
    public static NtfsImage Create(string path, params (string Name, byte[] Content)[] files)
    {
        ExternalTool.Require("mkntfs");
        ExternalTool.Require("ntfscp");
        using (var file = File.Create(path))
        {
            file.SetLength(4 << 20);
        }

        ExternalTool.Ok("mkntfs", "-F", "-Q", "-q", "-c", "4096", path);
        foreach (var (name, content) in files)
        {
            string local = path + "." + name;
            File.WriteAllBytes(local, content);
            ExternalTool.Ok("ntfscp", path, local, name);
            File.Delete(local);
        }

        return new NtfsImage(path);
    }

    /// <summary>
    /// Edits the in-use MFT record whose $FILE_NAME is <paramref name="name"/>: <paramref name="edit"/>
    /// gets the record (1 KiB, update sequence as on disk: leave bytes 510-511 and 1022-1023 alone)
    /// and the offset of its first attribute of <paramref name="type"/>.
    /// </summary>
    public void EditRecord(string name, uint type, Action<byte[], int> edit)
    {
        var image = File.ReadAllBytes(Path);
        var wanted = Encoding.Unicode.GetBytes(name);
        for (int at = 0; at + 1024 <= image.Length; at += 1024)
        {
            var record = image.AsSpan(at, 1024);
            if (!record[..4].SequenceEqual("FILE"u8) || (record[0x16] & 1) == 0 || Attribute(record, 0x30) is not int fileName
                || !record.Slice(fileName + BinaryPrimitives.ReadUInt16LittleEndian(record[(fileName + 20)..]) + 66, wanted.Length).SequenceEqual(wanted))
            {
                continue;
            }

            var copy = record.ToArray();
            edit(copy, Attribute(copy, type) ?? throw new InvalidOperationException($"{name} has no attribute 0x{type:X}"));
            copy.CopyTo(image, at);
            File.WriteAllBytes(Path, image);
            return;
        }

        throw new InvalidOperationException($"no MFT record named {name}");
    }

    private static int? Attribute(ReadOnlySpan<byte> record, uint type)
    {
        int offset = BinaryPrimitives.ReadUInt16LittleEndian(record[0x14..]);
        while (offset + 8 <= record.Length && BinaryPrimitives.ReadUInt32LittleEndian(record[offset..]) is uint found && found != 0xFFFFFFFF)
        {
            if (found == type)
            {
                return offset;
            }

            offset += BinaryPrimitives.ReadInt32LittleEndian(record[(offset + 4)..]);
        }

        return null;
    }
}
