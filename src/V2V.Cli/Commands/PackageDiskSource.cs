using V2V.Adapters.Physical;
using V2V.Core.Disks;
using V2V.Core.Pipeline;
using V2V.Core.Vm;

namespace V2V.Cli.Commands;

/// <summary>
/// A VM package's disk as an <see cref="IDiskSource"/> for inspection: a random-access disk (VMX
/// VMDK, OVF file, OVA member read in place) is read where it lies, only the bytes inspection asks
/// for; a streamed disk (XVA, a stream-optimized VMDK inside an OVF) can only be read whole, so it
/// is first written to a sparse temporary raw file, removed on dispose.
/// </summary>
internal sealed class PackageDiskSource : IDiskSource
{
    private readonly IDiskSource? _direct;
    private readonly RawDiskSource? _spooled;
    private readonly string? _spoolPath;

    private PackageDiskSource(string path, IDiskSource? direct, RawDiskSource? spooled, string? spoolPath)
    {
        Path = path;
        _direct = direct;
        _spooled = spooled;
        _spoolPath = spoolPath;
    }

    public string Path { get; }
    public IReadOnlyList<string> Files => [];
    public long Capacity => _direct?.Capacity ?? _spooled!.Capacity;
    public int LogicalSectorSize => 512;

    public static async Task<PackageDiskSource> OpenAsync(VmDiskFeed feed, CancellationToken cancellationToken)
    {
        if (feed.Producer is RandomAccessProducer random)
        {
            return new PackageDiskSource(feed.Name, random.Source, null, null);
        }

        string spool = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"v2v-inspect-{Guid.NewGuid():N}.img");
        try
        {
            using (var target = new SpoolTarget(spool, feed.Producer.Length))
            {
                await BlockPipeline.RunAsync(feed.Producer, [target], new PipelineOptions(), null, cancellationToken).ConfigureAwait(false);
            }

            return new PackageDiskSource(feed.Name, null, RawDiskSource.Open(spool), spool);
        }
        catch
        {
            File.Delete(spool);
            throw;
        }
    }

    public IEnumerable<DiskRange> EnumerateRanges() => [new DiskRange(0, Capacity, RangeKind.Data)];

    public void Read(long offset, Span<byte> destination)
    {
        if (_direct is not null)
        {
            _direct.Read(offset, destination);
        }
        else
        {
            _spooled!.Read(offset, destination);
        }
    }

    public SourceDescription Describe() => new("package disk", null, [Path], []);

    public void Dispose()
    {
        _spooled?.Dispose();
        if (_spoolPath is not null)
        {
            File.Delete(_spoolPath);
        }
    }

    /// <summary>A sparse raw file the pipeline writes a streamed disk into (positional writes, thread-safe).</summary>
    private sealed class SpoolTarget : IDiskTarget
    {
        private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _file;

        public SpoolTarget(string path, long capacity)
        {
            Capacity = capacity;
            _file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, FileOptions.None, 0);
            RandomAccess.SetLength(_file, capacity);
        }

        public long Capacity { get; }

        public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(_file, data, offset);

        public void Complete()
        {
        }

        public void Dispose() => _file.Dispose();
    }
}
