using System.Globalization;
using System.Text;

namespace V2V.DiskFormats.Vmdk;

/// <summary>The embedded descriptor V2V writes: one SPARSE extent naming the file itself, and the disk database ESXi wants.</summary>
public static class VmdkDescriptorWriter
{
    public static byte[] Write(string createType, string fileName, long sectors, string adapterType)
    {
        long heads = adapterType == "ide" ? 16 : 255;
        long cylinders = Math.Clamp(sectors / (heads * 63), 1, 65535);
        uint cid = (uint)Random.Shared.NextInt64(1, 0xFFFFFFFE);
        var text = new StringBuilder();
        text.Append("# Disk DescriptorFile\n");
        text.Append("version=1\n");
        text.Append("encoding=\"UTF-8\"\n");
        text.Append(CultureInfo.InvariantCulture, $"CID={cid:x8}\n");
        text.Append("parentCID=ffffffff\n");
        text.Append(CultureInfo.InvariantCulture, $"createType=\"{createType}\"\n\n");
        text.Append("# Extent description\n");
        text.Append(CultureInfo.InvariantCulture, $"RW {sectors} SPARSE \"{fileName.Replace("\"", "", StringComparison.Ordinal)}\"\n\n");
        text.Append("# The Disk Data Base\n#DDB\n\n");
        text.Append(CultureInfo.InvariantCulture, $"ddb.adapterType = \"{adapterType}\"\n");
        text.Append(CultureInfo.InvariantCulture, $"ddb.geometry.cylinders = \"{cylinders}\"\n");
        text.Append(CultureInfo.InvariantCulture, $"ddb.geometry.heads = \"{heads}\"\n");
        text.Append("ddb.geometry.sectors = \"63\"\n");
        text.Append("ddb.virtualHWVersion = \"4\"\n");
        text.Append(CultureInfo.InvariantCulture, $"ddb.uuid = \"{string.Join(' ', Guid.NewGuid().ToByteArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)))}\"\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
