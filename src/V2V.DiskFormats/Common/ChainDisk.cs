using V2V.Core.Disks;

namespace V2V.DiskFormats.Common;

/// <summary>
/// A disk made of a snapshot chain (<see cref="SnapshotChain.Open{TFile}"/>), flattened: the
/// opened file first, its parents after it, the base last. Reads go to the first file, which reads
/// what it does not hold from the next one down; the extents are the union of every file's data
/// (<see cref="ChainRanges"/>). A format adds what it shows in <see cref="Describe"/>.
/// </summary>
public abstract class ChainDisk<TFile> : IDiskSource
    where TFile : IChainFile
{
    private readonly TFile[] _layers;
    private readonly ILayerBacking _below;

    /// <param name="layers">The chain, the opened file first; the disk owns the files.</param>
    protected ChainDisk(TFile[] layers)
    {
        _layers = layers;
        ILayerBacking below = ZeroBacking.Instance;
        for (int i = layers.Length - 1; i >= 1; i--)
        {
            below = new FileBacking(layers[i], below);
        }

        _below = below;
    }

    /// <summary>The chain, the opened file first, then its parents down to the base.</summary>
    public IReadOnlyList<TFile> Chain => _layers;

    public string Path => _layers[0].Path;
    public long Capacity => _layers[0].Capacity;
    /// <summary>512 unless the format says otherwise (a 4Kn differencing VHDX would).</summary>
    public virtual int LogicalSectorSize => 512;

    /// <summary>The opened file (the newest delta), whose metadata <see cref="Describe"/> shows.</summary>
    protected TFile Top => _layers[0];

    /// <summary>Every file the chain reads, each once, in chain order.</summary>
    public IReadOnlyList<string> Files => [.. _layers.SelectMany(l => l.Files).Distinct(StringComparer.Ordinal)];

    public IEnumerable<DiskRange> EnumerateRanges() =>
        _layers.Length == 1 ? _layers[0].EnumerateRanges() : ChainRanges.UnionOfData(_layers.Select(l => l.EnumerateRanges()), Capacity);

    public void Read(long offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Capacity - destination.Length);
        _layers[0].Read(offset, destination, _below);
    }

    public abstract SourceDescription Describe();

    public void Dispose()
    {
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    private sealed class FileBacking(TFile file, ILayerBacking below) : ILayerBacking
    {
        public void Read(long offset, Span<byte> destination) => file.Read(offset, destination, below);
    }
}
