using System.Buffers.Binary;
using System.Text;
using V2V.DiskFormats.Vmdk;

namespace V2V.DiskFormats.Tests.Vmdk;

/// <summary>
/// Builds the VMDK kinds qemu-img cannot create (ESX flat and thin disks, ZERO extents, COWD and
/// seSparse deltas) byte by byte, from the published layouts, so the reader meets them in tests.
/// </summary>
internal static class HandMadeVmdk
{
    public static string Descriptor(string createType, uint cid, uint parentCid, string? parentHint, params string[] extentLines)
    {
        var text = new StringBuilder();
        text.Append("# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\n");
        text.Append($"CID={cid:x8}\nparentCID={parentCid:x8}\nisNativeSnapshot=\"no\"\ncreateType=\"{createType}\"\n");
        if (parentHint is not null)
        {
            text.Append($"parentFileNameHint=\"{parentHint}\"\n");
        }

        text.Append("\n# Extent description\n");
        foreach (var line in extentLines)
        {
            text.Append(line).Append('\n');
        }

        text.Append("\n# The Disk Data Base\n#DDB\n\nddb.adapterType = \"lsilogic\"\nddb.thinProvisioned = \"1\"\nddb.virtualHWVersion = \"14\"\nddb.changeTrackPath = \"x-ctk.vmdk\"\n");
        return text.ToString();
    }

    /// <summary>A COWD delta with 1-sector grains (as ESX writes them); grains maps sector → 512 bytes.</summary>
    public static byte[] Cowd(long sectors, IReadOnlyDictionary<long, byte[]> grains)
    {
        const int GrainSectors = 1;
        long cover = (long)CowdHeader.EntriesPerTable * GrainSectors;
        int gdEntries = (int)((sectors + cover - 1) / cover);
        int gdSectors = (gdEntries * 4 + 511) / 512;
        var tablesNeeded = grains.Keys.Select(s => (int)(s / cover)).Distinct().Order().ToList();
        long next = 4 + gdSectors;
        var tableSector = new Dictionary<int, long>();
        foreach (int t in tablesNeeded)
        {
            tableSector[t] = next;
            next += CowdHeader.EntriesPerTable * 4 / 512;
        }

        var grainSector = new Dictionary<long, long>();
        foreach (long sector in grains.Keys.Order())
        {
            grainSector[sector] = next++;
        }

        var file = new byte[next * 512];
        new CowdHeader(1, 3, (uint)sectors, GrainSectors, 4, (uint)gdEntries, (uint)next).Write(file);
        foreach (var (t, at) in tableSector)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4 * 512 + t * 4), (uint)at);
        }

        foreach (var (sector, at) in grainSector)
        {
            int t = (int)(sector / cover);
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan((int)(tableSector[t] * 512 + sector % cover * 4)), (uint)at);
            grains[sector].CopyTo(file, at * 512);
        }

        return file;
    }

    public enum SeGrain
    {
        Data,
        Zero,
        Unmapped,
    }

    /// <summary>An seSparse delta; grains maps 4 KiB grain index → (kind, data).</summary>
    public static byte[] SeSparse(long sectors, IReadOnlyDictionary<long, (SeGrain Kind, byte[]? Data)> grains)
    {
        const long TableCover = 4096L * 8; // sectors per table
        long tables = (sectors + TableCover - 1) / TableCover;
        long dirSectors = Math.Max(1, (tables * 8 + 511) / 512);
        const long volatileSector = 1;
        long dirSector = 2;
        long tablesSector = dirSector + dirSectors;
        var usedTables = grains.Keys.Select(g => g / 4096).Distinct().Order().ToList();
        long grainsSector = tablesSector + usedTables.Count * 64;
        var dataGrains = grains.Where(g => g.Value.Kind == SeGrain.Data).Select(g => g.Key).Order().ToList();
        var file = new byte[(grainsSector + dataGrains.Count * 8) * 512];

        new SeSparseHeader(SeSparseHeader.SupportedVersion, (ulong)sectors, 8, 64, 0, volatileSector, (ulong)dirSector, (ulong)dirSectors,
            (ulong)tablesSector, (ulong)(usedTables.Count * 64), (ulong)grainsSector, (ulong)(dataGrains.Count * 8)).Write(file);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan((int)(volatileSector * 512)), SeSparseHeader.VolatileMagic);
        for (int i = 0; i < usedTables.Count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan((int)(dirSector * 512 + usedTables[i] * 8)), 0x1000000000000000UL | (uint)i);
        }

        foreach (var (grain, (kind, data)) in grains)
        {
            int table = usedTables.IndexOf(grain / 4096);
            ulong entry = kind switch
            {
                SeGrain.Zero => 2UL << 60,
                SeGrain.Unmapped => 1UL << 60,
                _ => Allocated((ulong)dataGrains.IndexOf(grain)),
            };
            BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan((int)((tablesSector + table * 64) * 512 + grain % 4096 * 8)), entry);
            if (kind == SeGrain.Data)
            {
                data!.CopyTo(file, (grainsSector + dataGrains.IndexOf(grain) * 8) * 512);
            }
        }

        return file;

        static ulong Allocated(ulong cluster) => (3UL << 60) | ((cluster & 0xFFF) << 48) | (cluster >> 12);
    }
}
