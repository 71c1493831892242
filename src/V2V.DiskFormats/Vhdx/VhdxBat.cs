using System.Buffers.Binary;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vhdx;

/// <summary>
/// The Block Allocation Table of a disk without a parent (MS-VHDX 2.5), read as it is after log
/// replay and checked entry by entry: every present block lies inside the file and outside the
/// structures (headers, log, regions); a state a disk without a parent cannot have is an
/// <see cref="InvalidImageException"/>; what Hyper-V would refuse but a reader can live with
/// (offsets on absent blocks, reserved bits) is a finding.
/// </summary>
public sealed class VhdxBat
{
    private readonly ulong[] _entries;

    private VhdxBat(VhdxBatLayout layout, ulong[] entries)
    {
        Layout = layout;
        _entries = entries;
    }

    public VhdxBatLayout Layout { get; }

    public VhdxBatEntry PayloadEntry(long block) => VhdxBatEntry.FromRaw(_entries[Layout.PayloadEntryIndex(block)]);

    /// <param name="region">The BAT region, already checked to lie inside the file.</param>
    /// <param name="virtualSize">Bytes of the virtual disk; the last block may be partly outside it.</param>
    /// <param name="reserved">File ranges [Start, End) no block may overlap.</param>
    public static VhdxBat Load(ImageFile file, VhdxLogOverlay overlay, VhdxRegionEntry region, VhdxBatLayout layout, long virtualSize,
        IReadOnlyList<(long Start, long End)> reserved, CheckFindings findings)
    {
        if (layout.TotalEntries * 8 > region.Length)
        {
            throw new InvalidImageException(file.Path, $"BAT region is {region.Length} bytes but {layout.TotalEntries} entries need {layout.TotalEntries * 8}");
        }

        var bat = new ulong[layout.TotalEntries];
        var raw = new byte[Math.Min(layout.TotalEntries * 8, 1024 * 1024)];
        long viewLength = Math.Max(file.Length, overlay.FileLength);
        for (long index = 0; index < layout.TotalEntries; index += raw.Length / 8)
        {
            int count = (int)Math.Min(raw.Length / 8, layout.TotalEntries - index);
            var span = raw.AsSpan(0, count * 8);
            overlay.ReadThrough(file, region.FileOffset + index * 8, span);
            for (int i = 0; i < count; i++)
            {
                bat[index + i] = BinaryPrimitives.ReadUInt64LittleEndian(span[(i * 8)..]);
            }
        }

        for (long block = 0; block < layout.PayloadBlocks; block++)
        {
            ValidatePayloadEntry(file.Path, layout, bat, block, virtualSize, viewLength, reserved, findings);
        }

        return new VhdxBat(layout, bat);
    }

    private static void ValidatePayloadEntry(string path, VhdxBatLayout layout, ulong[] bat, long block, long virtualSize,
        long viewLength, IReadOnlyList<(long Start, long End)> reserved, CheckFindings findings)
    {
        ulong raw = bat[layout.PayloadEntryIndex(block)];
        var entry = VhdxBatEntry.FromRaw(raw);
        switch (entry.State)
        {
            case VhdxBlockState.NotPresent or VhdxBlockState.Undefined or VhdxBlockState.Zero
                or VhdxBlockState.Unmapped or VhdxBlockState.UnmappedLegacy:
                if (entry.FileOffsetMB != 0)
                {
                    findings.Add(CheckSeverity.Problem, $"BAT entry for block {block} has state {entry.State} but a non-zero FileOffsetMB {entry.FileOffsetMB} (Hyper-V refuses such files)");
                }

                return;
            case VhdxBlockState.FullyPresent:
                break;
            default:
                throw new InvalidImageException(path, $"BAT entry for block {block} has state {(int)entry.State}, which a disk without a parent cannot have");
        }

        long start = entry.FileOffset;
        long needed = Math.Min(layout.BlockSize, virtualSize - block * layout.BlockSize);
        if (entry.FileOffsetMB > viewLength / (1024 * 1024) || start > viewLength - needed)
        {
            throw new InvalidImageException(path, $"BAT entry for block {block} points at file offset {start}, past the end of the file ({viewLength} bytes)");
        }

        foreach (var (rs, re) in reserved)
        {
            if (start < re && rs < start + needed)
            {
                throw new InvalidImageException(path, $"BAT entry for block {block} points at file offset {start}, inside the headers, log, BAT or metadata");
            }
        }

        if (VhdxBatEntry.HasReservedBits(raw))
        {
            findings.Add(CheckSeverity.Problem, $"BAT entry for block {block} has reserved bits set (0x{raw:X16})");
        }
    }
}
