using System.Buffers.Binary;
using System.Text;
using V2V.Guest.Partitions;
using V2V.Guest.Registry;

namespace V2V.Guest.Windows;

/// <summary>
/// Drive letters from the SYSTEM hive's <c>MountedDevices</c> (WINDOWS.md §6): a value
/// <c>\DosDevices\X:</c> holds 12 bytes (MBR disk signature u32 + partition byte offset u64) or
/// <c>DMIO:ID:</c> + a 16-byte GPT partition GUID. Only the entries naming a volume of this disk count.
/// </summary>
public static class MountedDevices
{
    private static readonly byte[] GptPrefix = Encoding.ASCII.GetBytes("DMIO:ID:");

    public static IReadOnlyList<DriveLetter> Letters(RegistryHive system, DiskLayout layout)
    {
        var key = system.OpenKey("MountedDevices");
        if (key is null)
        {
            return [];
        }

        var letters = new List<DriveLetter>();
        foreach (var value in key.Values)
        {
            const string prefix = @"\DosDevices\";
            if (!value.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || value.Name.Length != prefix.Length + 2 || value.Name[^1] != ':')
            {
                continue;
            }

            if (VolumeOf(value.Data.Span, layout) is { } volume)
            {
                letters.Add(new DriveLetter(value.Name[prefix.Length].ToString().ToUpperInvariant(), volume.Number));
            }
        }

        return [.. letters.OrderBy(l => l.Letter, StringComparer.Ordinal)];
    }

    /// <summary>The volume of <paramref name="layout"/> a MountedDevices blob names, or null.</summary>
    public static DiskVolume? VolumeOf(ReadOnlySpan<byte> blob, DiskLayout layout)
    {
        if (blob.Length == 12 && layout.MbrDiskSignature is { } signature && layout.Scheme == PartitionScheme.Mbr
            && BinaryPrimitives.ReadUInt32LittleEndian(blob) == signature)
        {
            long offset = BinaryPrimitives.ReadInt64LittleEndian(blob[4..]);
            return layout.Volumes.FirstOrDefault(v => v.Offset == offset);
        }

        if (blob.Length == GptPrefix.Length + 16 && blob.StartsWith(GptPrefix))
        {
            var guid = new Guid(blob[GptPrefix.Length..]);
            return layout.Volumes.FirstOrDefault(v => v.GptUniqueGuid == guid);
        }

        return null;
    }
}
