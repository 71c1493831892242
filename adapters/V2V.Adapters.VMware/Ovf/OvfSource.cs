using System.Globalization;
using System.IO.Compression;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Pipeline;
using V2V.Core.Vm;
using V2V.DiskFormats.Common;
using V2V.DiskFormats.Vmdk;

namespace V2V.Adapters.VMware.Ovf;

/// <summary>
/// An unpacked OVF: the .ovf and its files side by side. Plain disk files are opened by their
/// content (any VMDK kind, raw, ...) and read in parallel; gzip-compressed or chunked files are
/// streamed. File names come from untrusted XML and must stay in the .ovf's folder.
/// </summary>
public sealed class OvfSource : IVmSource
{
    private readonly SourceOptions _options;
    private readonly FormatRegistry _formats;
    private readonly IReadOnlyList<OvfDiskTarget> _disks;

    private OvfSource(string path, IReadOnlyList<VmDescription> vms, IReadOnlyList<OvfDiskTarget> disks, SourceOptions options, FormatRegistry formats)
    {
        Path = path;
        Vms = vms;
        _disks = disks;
        _options = options;
        _formats = formats;
        Files = [path, .. disks.SelectMany(KnownFiles).Distinct(StringComparer.Ordinal)];
    }

    public string Path { get; }
    public string Format => "ovf";
    public IReadOnlyList<VmDescription> Vms { get; }
    public IReadOnlyList<string> Files { get; }

    public static OvfSource Open(string path, SourceOptions options, FormatRegistry formats)
    {
        var envelope = OvfEnvelope.Load(path);
        var (vms, disks) = OvfDiskMap.Build(envelope, path);
        return new OvfSource(path, vms, disks, options, formats);
    }

    /// <summary>The files a disk will read, as far as they can be told now (a missing or unsafe one is reported when the disk is read).</summary>
    private IEnumerable<string> KnownFiles(OvfDiskTarget disk)
    {
        try
        {
            if (disk.File.Compression == "gzip" || disk.File.ChunkSize is not null)
            {
                return PieceFiles(disk.File);
            }

            using var source = _formats.Open(Existing(SafePath.Resolve(Path, disk.File.Href, _options.AllowExternalFiles), disk.File.Href), _options);
            return source.Files;
        }
        catch (Exception e) when (e is V2VException or IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public async Task ForEachDiskAsync(Func<VmDiskFeed, Task> convert, CancellationToken cancellationToken)
    {
        foreach (var disk in _disks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string name = $"{Path}:{disk.File.Href}";
            if (disk.File.Compression == "gzip" || disk.File.ChunkSize is not null)
            {
                var files = PieceFiles(disk.File);
                using var joined = new JoinedFileStream(files);
                using var content = disk.File.Compression == "gzip" ? new GZipStream(joined, CompressionMode.Decompress) : (Stream)joined;
                using var buffered = new BufferedStream(content, 1 << 20);
                await convert(new VmDiskFeed(disk.Vm, disk.DiskNumber, name, StreamOptimizedProducer.Start(buffered, name), [Path, .. files])).ConfigureAwait(false);
                continue;
            }

            string file = Existing(SafePath.Resolve(Path, disk.File.Href, _options.AllowExternalFiles), disk.File.Href);
            using var source = _formats.Open(file, _options);
            await convert(new VmDiskFeed(disk.Vm, disk.DiskNumber, name, new RandomAccessProducer(source, source.Capacity), [Path, .. source.Files])).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
    }

    private List<string> PieceFiles(OvfFile file)
    {
        if (file.ChunkSize is null)
        {
            return [Existing(SafePath.Resolve(Path, file.Href, _options.AllowExternalFiles), file.Href)];
        }

        var pieces = new List<string>();
        for (int i = 0; ; i++)
        {
            string piece = file.Href + "." + i.ToString("D9", CultureInfo.InvariantCulture);
            string resolved = SafePath.Resolve(Path, piece, _options.AllowExternalFiles);
            if (!File.Exists(resolved))
            {
                break;
            }

            pieces.Add(resolved);
        }

        return pieces.Count > 0 ? pieces : throw new InvalidImageException(Path, $"chunked file \"{file.Href}\" has no piece \"{file.Href}.000000000\"");
    }

    private string Existing(string resolved, string href) =>
        File.Exists(resolved) ? resolved : throw new InvalidImageException(Path, $"disk file \"{href}\" does not exist");

    /// <summary>Several files read one after the other as one stream.</summary>
    private sealed class JoinedFileStream(IReadOnlyList<string> files) : ForwardOnlyStream
    {
        private int _index;
        private FileStream? _current;

        public override int Read(Span<byte> buffer)
        {
            while (true)
            {
                if (_current is null)
                {
                    if (_index == files.Count)
                    {
                        return 0;
                    }

                    _current = File.OpenRead(files[_index++]);
                }

                int got = _current.Read(buffer);
                if (got > 0 || buffer.IsEmpty)
                {
                    return got;
                }

                _current.Dispose();
                _current = null;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _current?.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
