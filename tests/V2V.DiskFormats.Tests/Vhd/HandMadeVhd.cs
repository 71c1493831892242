using System.Buffers.Binary;
using System.Text;
using V2V.DiskFormats.Vhd;

namespace V2V.DiskFormats.Tests.Vhd;

/// <summary>Builds differencing VHDs (qemu-img cannot create them) from the VHD specification's layout.</summary>
internal static class HandMadeVhd
{
    public const int BlockSize = 2 * 1024 * 1024;

    /// <summary>
    /// A differencing disk over <paramref name="parentId"/>; <paramref name="sectors"/> maps a sector
    /// number to its 512 bytes. Only those sectors are marked in the bitmaps.
    /// </summary>
    public static byte[] Differencing(long capacity, Guid parentId, string relativeParent, IReadOnlyDictionary<long, byte[]> sectors,
        string creator = "win ", uint creatorVersion = 0x000A0000, bool lsbFirstBitmaps = false, uint locatorCode = VhdParentLocator.W2ru)
    {
        long blocks = (capacity + BlockSize - 1) / BlockSize;
        int batBytes = (int)((blocks * 4 + 511) / 512 * 512);
        var locator = Encoding.Unicode.GetBytes(relativeParent);
        long locatorOffset = 1536 + batBytes;
        long next = locatorOffset + 512;
        var blockOffsets = new Dictionary<long, long>();
        foreach (long block in sectors.Keys.Select(s => s * 512 / BlockSize).Distinct().Order())
        {
            blockOffsets[block] = next;
            next += 512 + BlockSize;
        }

        var file = new byte[next + 512];
        var footer = new VhdFooter(2, 0x00010000, 512, 0, creator, creatorVersion, 0x5769326B, (ulong)capacity, (ulong)capacity,
            VhdGeometry.For(capacity), VhdDiskType.Differencing, Guid.NewGuid());
        footer.Write(file);
        footer.Write(file.AsSpan((int)next));
        new VhdDynamicHeader(1536, (uint)blocks, BlockSize, parentId, 0, "parent.vhd",
            [new VhdParentLocator(locatorCode, 1, (uint)locator.Length, (ulong)locatorOffset)]).Write(file.AsSpan(512));
        file.AsSpan(1536, batBytes).Fill(0xFF);
        foreach (var (block, offset) in blockOffsets)
        {
            BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan((int)(1536 + block * 4)), (uint)(offset / 512));
        }

        locator.CopyTo(file, locatorOffset);
        foreach (var (sector, data) in sectors)
        {
            long block = sector * 512 / BlockSize;
            int index = (int)(sector - block * (BlockSize / 512));
            long bitmap = blockOffsets[block];
            int bit = lsbFirstBitmaps ? 1 << (index & 7) : 0x80 >> (index & 7);
            file[bitmap + (index >> 3)] |= (byte)bit;
            data.CopyTo(file, bitmap + 512 + index * 512L);
        }

        return file;
    }
}
