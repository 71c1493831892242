using System.Buffers;
using System.Formats.Tar;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using V2V.Core.Errors;
using V2V.Core.Pipeline;
using V2V.Core.Vm;
using V2V.DiskFormats.Common;

namespace V2V.Adapters.XenServer.Xva;

/// <summary>
/// An XVA export (<c>xe vm-export</c>) read front to back as a tar stream, from a file or stdin:
/// ova.xml first, then every disk's chunks <c>Ref:N/%08d</c> with their <c>.checksum</c> (SHA-1)
/// or <c>.xxhash</c> (XXH64) members. Chunks are placed the way xapi's importer places them —
/// sequentially, a numbering gap standing for omitted zero chunks of the first chunk's size, a
/// zero-length keep-alive chunk taking a number but no space — and every disk's pipeline runs
/// at once, so disks may be interleaved in the tar.
/// </summary>
public sealed class XvaSource : IVmSource
{
    public const int ChunkSize = 1024 * 1024;

    private readonly Stream _archive;
    private readonly TarReader _reader;
    private readonly XvaMetadata _metadata;

    // An archive in a file: the reader walks the headers and seeks past the chunks, which the
    // pipeline workers read in place (no copy through the reader's thread).
    private readonly SafeFileHandle? _positional;

    private XvaSource(string path, Stream archive, TarReader reader, XvaMetadata metadata)
    {
        Path = path;
        _archive = archive;
        _reader = reader;
        _metadata = metadata;
        _positional = archive is FileStream { CanSeek: true } file ? file.SafeFileHandle : null;
    }

    public string Path { get; }
    public string Format => "xva";
    public IReadOnlyList<string> Files => _archive is FileStream ? [Path] : [];
    public IReadOnlyList<VmDescription> Vms => _metadata.Vms;

    public static XvaSource Open(string path, Stream archive)
    {
        var reader = new TarReader(archive, leaveOpen: true);
        try
        {
            var first = UntrustedTar.NextFile(path, reader) ?? throw new InvalidImageException(path, "the archive is empty");
            if (first.Name != "ova.xml")
            {
                throw new InvalidImageException(path, $"the first member is \"{first.Name}\"; an XVA starts with ova.xml");
            }

            if (first.Length > XvaMetadata.MaxLength)
            {
                throw new InvalidImageException(path, $"ova.xml of {first.Length} bytes is too large");
            }

            var xml = new byte[first.Length];
            (first.DataStream ?? Stream.Null).ReadExactly(xml);
            return new XvaSource(path, archive, reader, XvaMetadata.Parse($"{path}:ova.xml", xml));
        }
        catch (Exception e) when (UntrustedTar.IsDamage(e))
        {
            reader.Dispose();
            throw UntrustedTar.Damaged(path, e);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public async Task ForEachDiskAsync(Func<VmDiskFeed, Task> convert, CancellationToken cancellationToken)
    {
        var disks = _metadata.Disks.ToDictionary(d => d.VdiRef, d => (Disk: d, Producer: new XvaDiskProducer(d.VirtualSize)), StringComparer.Ordinal);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var conversions = disks.Values.Select(d => Task.Run(() => convert(new VmDiskFeed(d.Disk.Vm, d.Disk.Number, $"{Path}:{d.Disk.VdiRef} ({d.Disk.Label})", d.Producer, [Path])), CancellationToken.None)).ToList();
        foreach (var conversion in conversions)
        {
            _ = conversion.ContinueWith(_ => stop.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        Exception? readError = null;
        try
        {
            await ReadChunksAsync(disks.ToDictionary(d => d.Key, d => (d.Value.Disk, d.Value.Producer), StringComparer.Ordinal), stop.Token).ConfigureAwait(false);
            foreach (var (disk, producer) in disks.Values)
            {
                producer.Complete();
            }
        }
        catch (Exception e)
        {
            readError = UntrustedTar.IsDamage(e) ? UntrustedTar.Damaged(Path, e) : e;
            foreach (var (_, producer) in disks.Values)
            {
                producer.Complete(readError);
            }
        }

        try
        {
            await Task.WhenAll(conversions).ConfigureAwait(false);
        }
        catch when (readError is not null && readError is not OperationCanceledException)
        {
            // The reader's error is the cause; a pipeline failing because its feed broke is its echo.
        }

        if (readError is not null)
        {
            if (readError is OperationCanceledException)
            {
                await Task.WhenAll(conversions).ConfigureAwait(false); // surfaces the pipeline error that stopped the reader
            }

            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(readError);
        }
    }

    private sealed class DiskState
    {
        public long Last = -1;
        public long Position;
    }

    private async Task ReadChunksAsync(Dictionary<string, (XvaDisk Disk, XvaDiskProducer Producer)> disks, CancellationToken cancellationToken)
    {
        var states = disks.Keys.ToDictionary(k => k, _ => new DiskState(), StringComparer.Ordinal);
        long? firstLength = null;
        (string Vdi, string Member, XvaChunk? Chunk)? pending = null;

        async Task FlushAsync()
        {
            if (pending is { Chunk: { } chunk } p)
            {
                await disks[p.Vdi].Producer.PostAsync(chunk, cancellationToken).ConfigureAwait(false);
            }

            pending = null;
        }

        while (UntrustedTar.NextFile(Path, _reader) is { } entry)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int slash = entry.Name.IndexOf('/', StringComparison.Ordinal);
            string vdi = slash > 0 ? entry.Name[..slash] : "";
            string file = slash > 0 ? entry.Name[(slash + 1)..] : entry.Name;
            if (_metadata.Skipped.Contains(vdi))
            {
                continue; // a suspended VM's memory image: its data is passed over, unread
            }

            if (!disks.TryGetValue(vdi, out var disk))
            {
                throw new InvalidImageException(Path, $"member \"{entry.Name}\" belongs to no disk that ova.xml describes");
            }

            if (pending is { } p && (file == p.Member + ".checksum" || file == p.Member + ".xxhash") && p.Vdi == vdi)
            {
                if (entry.Length > 128)
                {
                    throw new InvalidImageException(Path, $"checksum member \"{entry.Name}\" of {entry.Length} bytes is not a checksum");
                }

                var text = new byte[entry.Length];
                (entry.DataStream ?? Stream.Null).ReadExactly(text);
                if (p.Chunk is { } chunk)
                {
                    chunk.ChecksumKind = file.EndsWith(".xxhash", StringComparison.Ordinal) ? XvaChecksumKind.XxHash64 : XvaChecksumKind.Sha1;
                    chunk.Expected = System.Text.Encoding.ASCII.GetString(text);
                }
                else if (file.EndsWith(".xxhash", StringComparison.Ordinal) && !string.Equals(System.Text.Encoding.ASCII.GetString(text).Trim(), "EF46DB3751D8E999", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ChecksumMismatchException($"{Path}:{entry.Name}", "keep-alive chunk XXH64", "EF46DB3751D8E999", System.Text.Encoding.ASCII.GetString(text).Trim());
                }

                await FlushAsync().ConfigureAwait(false);
                continue;
            }

            if (file.Length != 8 || !file.All(char.IsAsciiDigit))
            {
                throw new InvalidImageException(Path, $"member \"{entry.Name}\" is neither a disk chunk (8 digits) nor the checksum of the chunk before it");
            }

            await FlushAsync().ConfigureAwait(false);
            var state = states[vdi];
            long number = long.Parse(file, CultureInfo.InvariantCulture);
            if (number <= state.Last)
            {
                throw new InvalidImageException(Path, $"chunk \"{entry.Name}\" comes after chunk {state.Last:D8}: chunks must be in ascending order without duplicates");
            }

            long length = entry.Length;
            if (length > ChunkSize)
            {
                throw new InvalidImageException(Path, $"chunk \"{entry.Name}\" is {length} bytes; XVA chunks are at most 1 MiB");
            }

            firstLength ??= length > 0 ? length : null;
            long gap = number - state.Last - 1;
            if (gap > 0 && firstLength is not { } step)
            {
                throw new InvalidImageException(Path, $"chunk \"{entry.Name}\" follows omitted chunks before any chunk gave their size");
            }

            state.Position += gap * (firstLength ?? 0);
            state.Last = number;
            if (state.Position + length > disk.Disk.VirtualSize || state.Position > disk.Disk.VirtualSize)
            {
                throw new InvalidImageException(Path, $"chunk \"{entry.Name}\" lands at {state.Position}, past the disk's declared virtual size {disk.Disk.VirtualSize}");
            }

            if (length == 0)
            {
                pending = (vdi, file, null); // a keep-alive: a number, no data
                continue;
            }

            if (firstLength != ChunkSize || state.Position % ChunkSize != 0 || (length != ChunkSize && state.Position + length != disk.Disk.VirtualSize))
            {
                throw new UnsupportedFormatException(Path, $"chunk \"{entry.Name}\" ({length} bytes at {state.Position}) is not a whole 1 MiB chunk as xapi writes them");
            }

            XvaChunk next;
            if (_positional is { } handle && entry.DataOffset >= 0)
            {
                next = XvaChunk.InFile(Path, entry.Name, state.Position, (int)length, handle, entry.DataOffset);
            }
            else
            {
                var data = ArrayPool<byte>.Shared.Rent((int)length);
                (entry.DataStream ?? Stream.Null).ReadExactly(data.AsSpan(0, (int)length));
                next = XvaChunk.Streamed(Path, entry.Name, state.Position, (int)length, data);
            }

            pending = (vdi, file, next);
            state.Position += length;
        }

        await FlushAsync().ConfigureAwait(false);
        foreach (var (vdi, (disk, producer)) in disks)
        {
            if (!producer.SawData)
            {
                throw new InvalidImageException(Path, $"disk {vdi} ({disk.Label}) has no chunks in the export (truncated?)");
            }
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _archive.Dispose();
    }

}
