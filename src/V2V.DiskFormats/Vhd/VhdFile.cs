using System.Buffers.Binary;
using System.Text;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vhd;

/// <summary>
/// One VHD file — fixed, dynamic or differencing — validated against its real size: footer (at
/// the end, or its copy at offset 0), dynamic header, BAT. Unallocated blocks of a dynamic disk
/// read as zero; sectors a differencing disk's bitmap does not mark are read from its parent.
/// </summary>
public sealed class VhdFile : IChainFile
{
    public const long MaxVirtualSize = 0xFF000000L * 512; // 2040 GiB, the format's limit
    private const int Sector = 512;
    private const uint Unallocated = 0xFFFFFFFF;
    private const long MaxBlocks = 1 << 24;

    private readonly uint[] _bat;
    private readonly int _bitmapBytes;

    private VhdFile(ImageFile file, VhdFooter footer, VhdDynamicHeader? header, uint[] bat, bool footerFromCopy)
    {
        File = file;
        Footer = footer;
        Header = header;
        _bat = bat;
        FooterFromCopy = footerFromCopy;
        if (header is not null)
        {
            _bitmapBytes = (int)((header.BlockSize / Sector + 8 * Sector - 1) / (8 * Sector) * Sector);
        }
    }

    public ImageFile File { get; }
    public VhdFooter Footer { get; }
    public VhdDynamicHeader? Header { get; }
    public bool FooterFromCopy { get; }
    public long VirtualSize => Footer.VirtualSize;
    public bool IsDifferencing => Footer.DiskType == VhdDiskType.Differencing;

    string IChainFile.Path => File.Path;
    long IChainFile.Capacity => VirtualSize;
    IReadOnlyList<string> IChainFile.Files => [File.Path];

    /// <summary>Old blktap "tap" 0.1 files store sector bitmaps least-significant bit first.</summary>
    public bool LsbFirstBitmaps => Footer.CreatorApplication.StartsWith("tap", StringComparison.Ordinal) && Footer.CreatorVersion == 0x00000001;

    public static VhdFile Open(string path) => ImageFile.OpenAndParse(path, Parse);

    /// <summary>Parses an image already open (a package member viewed in place); the caller keeps it on failure.</summary>
    public static VhdFile Open(ImageFile file) => Parse(file);

    private static VhdFile Parse(ImageFile file)
    {
        string path = file.Path;
        if (file.Length < VhdFooter.Size)
        {
            throw new InvalidImageException(path, $"truncated: {file.Length} bytes cannot hold a VHD footer");
        }

        var raw = new byte[VhdDynamicHeader.Size];
        file.ReadExactly(file.Length - VhdFooter.Size, raw.AsSpan(0, VhdFooter.Size), "footer");
        var footer = VhdFooter.TryRead(raw, out var endProblem);
        bool fromCopy = false;
        int footerLength = VhdFooter.Size;
        if (footer is null)
        {
            // Virtual PC 2004 and older wrote a 511-byte footer.
            file.ReadExactly(file.Length - VhdFooter.Size + 1, raw.AsSpan(0, VhdFooter.Size - 1), "footer");
            raw[VhdFooter.Size - 1] = 0;
            footer = VhdFooter.TryRead(raw, out _);
            footerLength = VhdFooter.Size - 1;
        }

        if (footer is null)
        {
            file.ReadExactly(0, raw.AsSpan(0, VhdFooter.Size), "footer copy");
            footer = VhdFooter.TryRead(raw, out var copyProblem)
                ?? throw new InvalidImageException(path, $"no valid footer: at the end: {endProblem}; at offset 0: {copyProblem}");
            if (footer.DiskType == VhdDiskType.Fixed)
            {
                throw new InvalidImageException(path, $"fixed VHD without a valid footer at its end: {endProblem}");
            }

            fromCopy = true; // the file lost its end: the BAT checks below decide whether it is usable
        }

        if (footer.DiskType is not (VhdDiskType.Fixed or VhdDiskType.Dynamic or VhdDiskType.Differencing))
        {
            throw new UnsupportedFormatException(path, $"disk type {(uint)footer.DiskType} (2 fixed, 3 dynamic, 4 differencing exist)");
        }

        long size = footer.VirtualSize;
        if (size <= 0 || size > MaxVirtualSize + (1L << 30) || size % Sector != 0)
        {
            throw new InvalidImageException(path, $"virtual size {size} is not a sector multiple up to 2040 GiB");
        }

        if (footer.DiskType == VhdDiskType.Fixed)
        {
            if (file.Length - footerLength < size)
            {
                throw new InvalidImageException(path, $"truncated: fixed VHD of {size} bytes in a {file.Length}-byte file");
            }

            return new VhdFile(file, footer, null, [], fromCopy);
        }

        if (footer.DataOffset > (ulong)(file.Length - VhdDynamicHeader.Size))
        {
            throw new InvalidImageException(path, $"dynamic header offset {footer.DataOffset} is past the end of the file");
        }

        file.ReadExactly((long)footer.DataOffset, raw, "dynamic header");
        var header = VhdDynamicHeader.TryRead(raw, out var headerProblem)
            ?? throw new InvalidImageException(path, headerProblem!);
        if (header.BlockSize < Sector || header.BlockSize > 256 * 1024 * 1024 || !Alignment.IsPowerOfTwo(header.BlockSize))
        {
            throw new InvalidImageException(path, $"block size {header.BlockSize} is not a power of two from 512 bytes to 256 MiB");
        }

        long blocks = (size + header.BlockSize - 1) / header.BlockSize;
        if (blocks > MaxBlocks)
        {
            // The BAT is loaded whole; a sparse file can be as large as it claims without holding anything.
            throw new InvalidImageException(path, $"{blocks} blocks of {header.BlockSize} bytes is more than any real VHD has (2040 GiB in 512 KiB blocks is 4 Mi)");
        }

        if (header.MaxTableEntries < blocks || header.MaxTableEntries > file.Length / 4)
        {
            throw new InvalidImageException(path, $"MaxTableEntries {header.MaxTableEntries} does not match the {blocks} blocks of the disk or the file size");
        }

        if (header.TableOffset > (ulong)(file.Length - blocks * 4))
        {
            throw new InvalidImageException(path, $"BAT at offset {header.TableOffset} runs past the end of the file");
        }

        var batBytes = new byte[blocks * 4];
        file.ReadExactly((long)header.TableOffset, batBytes, "BAT");
        var bat = new uint[blocks];
        int bitmapBytes = (int)((header.BlockSize / Sector + 8 * Sector - 1) / (8 * Sector) * Sector);
        long dataEnd = fromCopy ? file.Length : file.Length - footerLength;
        for (long i = 0; i < blocks; i++)
        {
            bat[i] = BinaryPrimitives.ReadUInt32BigEndian(batBytes.AsSpan((int)(i * 4)));
            if (bat[i] != Unallocated && (long)bat[i] * Sector > dataEnd - bitmapBytes - Math.Min(header.BlockSize, size - i * header.BlockSize))
            {
                throw new InvalidImageException(path, $"BAT entry {i} points at sector {bat[i]}, past the end of the file");
            }
        }

        return new VhdFile(file, footer, header, bat, fromCopy);
    }

    public IEnumerable<DiskRange> EnumerateRanges()
    {
        if (Header is null)
        {
            return [new DiskRange(0, VirtualSize, RangeKind.Data)];
        }

        long blockSize = Header.BlockSize;
        return RangeMerger.Merge(_bat.Select((entry, i) => new DiskRange(
            i * blockSize, Math.Min(blockSize, VirtualSize - i * blockSize), entry == Unallocated ? RangeKind.Unallocated : RangeKind.Data)));
    }

    public void Read(long offset, Span<byte> destination, ILayerBacking below)
    {
        if (Header is null)
        {
            File.ReadExactly(offset, destination, "fixed VHD data");
            return;
        }

        long blockSize = Header.BlockSize;
        while (!destination.IsEmpty)
        {
            long block = offset / blockSize;
            int inBlock = (int)(offset % blockSize);
            int length = (int)Math.Min(destination.Length, blockSize - inBlock);
            var part = destination[..length];
            uint sector = _bat[block];
            if (sector == Unallocated)
            {
                if (IsDifferencing)
                {
                    below.Read(offset, part);
                }
                else
                {
                    part.Clear();
                }
            }
            else
            {
                long data = (long)sector * Sector + _bitmapBytes;
                if (IsDifferencing)
                {
                    ReadThroughBitmap((long)sector * Sector, data, offset, inBlock, part, below);
                }
                else
                {
                    File.ReadExactly(data + inBlock, part, $"block {block}");
                }
            }

            offset += length;
            destination = destination[length..];
        }
    }

    /// <summary>Per sector: the child's data where its bitmap bit is set, the parent's elsewhere.</summary>
    private void ReadThroughBitmap(long bitmapOffset, long dataOffset, long offset, int inBlock, Span<byte> destination, ILayerBacking below)
    {
        var bitmap = new byte[_bitmapBytes];
        File.ReadExactly(bitmapOffset, bitmap, "sector bitmap");
        int done = 0;
        while (done < destination.Length)
        {
            int sectorIndex = (inBlock + done) / Sector;
            bool mine = Bit(bitmap, sectorIndex);
            int run = 0;
            while (done + run < destination.Length && Bit(bitmap, (inBlock + done + run) / Sector) == mine)
            {
                run += Sector - (inBlock + done + run) % Sector;
            }

            run = Math.Min(run, destination.Length - done);
            var part = destination.Slice(done, run);
            if (mine)
            {
                File.ReadExactly(dataOffset + inBlock + done, part, "differencing data");
            }
            else
            {
                below.Read(offset + done, part);
            }

            done += run;
        }
    }

    private bool Bit(byte[] bitmap, int sector) => LsbFirstBitmaps
        ? (bitmap[sector >> 3] >> (sector & 7) & 1) != 0
        : (bitmap[sector >> 3] >> (7 - (sector & 7)) & 1) != 0;

    /// <summary>The parent's path as the locators give it: relative (W2ru) first, then absolute (W2ku).</summary>
    public IEnumerable<string> ParentLocations()
    {
        if (Header is null)
        {
            yield break;
        }

        foreach (uint code in new[] { VhdParentLocator.W2ru, VhdParentLocator.W2ku })
        {
            foreach (var locator in Header.Locators.Where(l => l.PlatformCode == code))
            {
                if (locator.DataLength == 0 || locator.DataLength > 64 * 1024 || locator.DataOffset > (ulong)(File.Length - locator.DataLength))
                {
                    throw new InvalidImageException(File.Path, $"parent locator data ({locator.DataLength} bytes at {locator.DataOffset}) is out of bounds");
                }

                var bytes = new byte[locator.DataLength];
                File.ReadExactly((long)locator.DataOffset, bytes, "parent locator");
                yield return Encoding.Unicode.GetString(bytes).TrimEnd('\0');
            }
        }
    }

    public void Dispose() => File.Dispose();
}
