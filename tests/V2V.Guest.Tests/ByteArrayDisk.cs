using V2V.Core.Disks;

namespace V2V.Guest.Tests;

/// <summary>A disk over a byte array the test may change between reads (to corrupt structures in place).</summary>
internal sealed class ByteArrayDisk(byte[] bytes, int sectorSize = 512) : IDiskSource
{
    public byte[] Bytes => bytes;
    public string Path => "test.img";
    public long Capacity => bytes.Length;
    public int LogicalSectorSize => sectorSize;
    public IReadOnlyList<string> Files => [];

    public IEnumerable<DiskRange> EnumerateRanges() => [new DiskRange(0, bytes.Length, RangeKind.Data)];

    public void Read(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset + destination.Length > bytes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"read of {destination.Length} at {offset} past {bytes.Length}");
        }

        bytes.AsSpan((int)offset, destination.Length).CopyTo(destination);
    }

    public SourceDescription Describe() => throw new NotSupportedException();

    public void Dispose()
    {
    }
}
