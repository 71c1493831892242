using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using V2V.Adapters.VMware.Ovf;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Vm;
using V2V.DiskFormats.Common;
using V2V.DiskFormats.Vmdk;

namespace V2V.Adapters.VMware.Ova;

/// <summary>
/// An OVA read as a stream (standard input; a file is read in place by <see cref="OvaFileSource"/>), never unpacked: the .ovf (first member) and the manifest, then each
/// disk converted as it passes. Every member is hashed as it is read and checked against the
/// manifest; gzip-compressed disks are inflated on the fly and chunked disks (name.000000000,
/// name.000000001, ...) are joined. Members with unsafe names or links are refused. A manifest at
/// the end of the package (the OVF spec allows it there) is met after the disks: until then every
/// member is hashed with each algorithm a manifest may name, and checked when it arrives, before
/// anything is put in place. With <see cref="SourceOptions.SkipManifestCheck"/> no manifest is read
/// and nothing is hashed (each VM carries a warning saying so).
/// </summary>
public sealed class OvaSource : IVmSource
{
    private readonly Stream _archive;
    private readonly TarReader _reader;
    private readonly Dictionary<string, Dictionary<HashAlgorithmName, string>> _awaitingManifest = new(StringComparer.Ordinal);
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);
    private OvaManifest? _manifest;
    private readonly IReadOnlyList<OvfDiskTarget> _disks;
    private readonly HashSet<string> _verified = new(StringComparer.Ordinal);
    private readonly bool _skipManifest;
    private TarEntry? _pending;

    private OvaSource(string path, Stream archive, TarReader reader, IReadOnlyList<VmDescription> vms, IReadOnlyList<OvfDiskTarget> disks, OvaManifest? manifest, TarEntry? pending, bool skipManifest)
    {
        Path = path;
        _skipManifest = skipManifest;
        _archive = archive;
        _reader = reader;
        Vms = vms;
        _disks = disks;
        _manifest = manifest;
        _pending = pending;
    }

    public string Path { get; }
    public string Format => "ova";
    public IReadOnlyList<string> Files => _archive is FileStream ? [Path] : [];
    public IReadOnlyList<VmDescription> Vms { get; }

    public static OvaSource Open(string path, Stream archive, SourceOptions options)
    {
        var reader = new TarReader(archive, leaveOpen: true);
        try
        {
            var first = UntrustedTar.NextFile(path, reader) ?? throw new InvalidImageException(path, "the archive is empty");
            if (!first.Name.EndsWith(".ovf", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidImageException(path, $"the first member is \"{first.Name}\"; an OVA must start with its .ovf");
            }

            var ovfBytes = ReadSmall(path, first, OvfEnvelope.MaxLength);
            var envelope = OvfEnvelope.Parse($"{path}:{first.Name}", ovfBytes);
            var (vms, disks) = OvfDiskMap.Build(envelope, $"{path}:{first.Name}");

            OvaManifest? manifest = null;
            string? skipped = null;
            TarEntry? pending = null;
            void Note(string note)
            {
                var noted = vms.ToDictionary(vm => vm, vm => vm with { SourceWarnings = [.. vm.SourceWarnings, note] });
                vms = [.. vms.Select(vm => noted[vm])];
                disks = [.. disks.Select(d => d with { Vm = noted[d.Vm] })];
            }

            while (UntrustedTar.NextFile(path, reader) is { } entry)
            {
                if (entry.Name.EndsWith(".mf", StringComparison.OrdinalIgnoreCase) && disks.All(d => d.File.Href != entry.Name))
                {
                    if (options.SkipManifestCheck)
                    {
                        skipped = entry.Name;
                        continue;
                    }

                    manifest = OvaManifest.Parse($"{path}:{entry.Name}", ReadSmall(path, entry, OvaManifest.MaxLength)).WithoutSelf(entry.Name, out bool listedItself);
                    if (listedItself)
                    {
                        Note(OvaManifest.SelfListedNote(entry.Name));
                    }
                }
                else if (!entry.Name.EndsWith(".cert", StringComparison.OrdinalIgnoreCase))
                {
                    pending = entry;
                    break;
                }
            }

            if (options.SkipManifestCheck)
            {
                Note(OvaManifest.SkippedNote(skipped));
            }

            var source = new OvaSource(path, archive, reader, vms, disks, manifest, pending, options.SkipManifestCheck);
            source.Verify(first.Name, ovfBytes);
            return source;
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
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while ((_pending ?? UntrustedTar.NextFile(Path, _reader)) is { } entry)
            {
                _pending = null;
                cancellationToken.ThrowIfCancellationRequested();
                string href = ChunkBase(entry.Name) ?? entry.Name;
                var targets = _disks.Where(d => d.File.Href == href).ToList();
                if (entry.Name.EndsWith(".mf", StringComparison.OrdinalIgnoreCase) && targets.Count == 0)
                {
                    ReadTrailingManifest(entry);
                    continue;
                }

                if (targets.Count == 0 || !seen.Add(href))
                {
                    Drain(entry);
                    continue;
                }

                if (targets.Count > 1)
                {
                    throw new UnsupportedFormatException($"{Path}:{href}", $"file is used by more than one disk (\"{targets[0].Disk.DiskId}\" and \"{targets[1].Disk.DiskId}\")");
                }

                bool chunked = href != entry.Name;
                using var raw = chunked ? (Stream)new ChunkedMemberStream(this, href, entry) : Member(entry);
                using var content = targets[0].File.Compression == "gzip" ? new GZipStream(raw, CompressionMode.Decompress) : raw;
                using var buffered = new BufferedStream(content, 1 << 20);
                string name = $"{Path}:{href}";
                long? length = chunked || targets[0].File.Compression is not null ? null : entry.Length;
                var producer = StreamedMemberDisk.Start(buffered, name, targets[0], length);
                await convert(new VmDiskFeed(targets[0].Vm, targets[0].DiskNumber, name, producer, [Path])).ConfigureAwait(false);
                if (raw is HashingReadStream hashed)
                {
                    raw.CopyTo(Stream.Null);
                    Verify(entry.Name, hashed);
                }
                else
                {
                    raw.CopyTo(Stream.Null);
                }
            }
        }
        catch (Exception e) when (UntrustedTar.IsDamage(e))
        {
            throw e is EndOfStreamException ? UntrustedTar.Damaged(Path, e) : new InvalidImageException(Path, $"damaged tar archive or gzip stream: {e.Message}");
        }

        foreach (var disk in _disks.Where(d => !seen.Contains(d.File.Href)))
        {
            throw new InvalidImageException(Path, $"disk file \"{disk.File.Href}\" of VM \"{disk.Vm.Name}\" is not in the package");
        }

        foreach (var listed in _manifest?.Entries.Keys.Where(k => !_verified.Contains(k)) ?? [])
        {
            throw new InvalidImageException(Path, $"the manifest lists \"{listed}\", which the package does not contain");
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _archive.Dispose();
    }

    private HashingReadStream Member(TarEntry entry) => new(entry.DataStream ?? Stream.Null, AlgorithmsFor(entry.Name));

    private HashAlgorithmName[] AlgorithmsFor(string name) =>
        _skipManifest ? []
        : _manifest is null ? HashingReadStream.ManifestAlgorithms
        : _manifest.Entries.TryGetValue(name, out var listed) ? [listed.Algorithm] : [];

    /// <summary>A manifest after the disks: checks what was hashed while waiting for it.</summary>
    private void ReadTrailingManifest(TarEntry entry)
    {
        if (_skipManifest)
        {
            return;
        }

        if (_manifest is not null)
        {
            throw new InvalidImageException(Path, $"a second manifest, \"{entry.Name}\"");
        }

        // A self-entry is dropped silently here: the VMs were described before the manifest arrived.
        _manifest = OvaManifest.Parse($"{Path}:{entry.Name}", ReadSmall(Path, entry, OvaManifest.MaxLength)).WithoutSelf(entry.Name, out _);
        foreach (var (name, hexes) in _awaitingManifest)
        {
            if (_manifest.Entries.ContainsKey(name))
            {
                Check(name, hexes);
            }
        }

        _awaitingManifest.Clear();
    }

    private void Drain(TarEntry entry)
    {
        using var member = Member(entry);
        member.CopyTo(Stream.Null);
        Verify(entry.Name, member);
    }

    private void Verify(string name, HashingReadStream member) => Verify(name, member.FinishHex());

    private void Verify(string name, byte[] content)
    {
        using var member = new HashingReadStream(new MemoryStream(content), AlgorithmsFor(name));
        member.CopyTo(Stream.Null);
        Verify(name, member);
    }

    private void Verify(string name, Dictionary<HashAlgorithmName, string> hexes)
    {
        // A second member of one name would let a good copy vouch for a bad one converted earlier.
        if (!_members.Add(name))
        {
            throw new InvalidImageException(Path, $"member \"{name}\" appears twice");
        }

        if (_skipManifest)
        {
            return;
        }

        if (_manifest is null)
        {
            _awaitingManifest[name] = hexes;
        }
        else if (_manifest.Entries.ContainsKey(name))
        {
            Check(name, hexes);
        }
    }

    private void Check(string name, Dictionary<HashAlgorithmName, string> hexes)
    {
        var (algorithm, expected) = _manifest!.Entries[name];
        string actual = hexes[algorithm];
        if (actual != expected)
        {
            throw new ChecksumMismatchException($"{Path}:{name}", $"manifest {algorithm.Name}", expected, actual);
        }

        _verified.Add(name);
    }

    /// <summary>"disk1.vmdk.000000002" → "disk1.vmdk" (ovf:chunkSize members), else null.</summary>
    internal static string? ChunkBase(string name)
    {
        int dot = name.LastIndexOf('.');
        return dot > 0 && name.Length - dot == 10 && name[(dot + 1)..].All(char.IsAsciiDigit) ? name[..dot] : null;
    }


    internal static byte[] ReadSmall(string path, TarEntry entry, int limit)
    {
        if (entry.Length > limit)
        {
            throw new InvalidImageException(path, $"member \"{entry.Name}\" of {entry.Length} bytes is too large for what it claims to be");
        }

        var content = new byte[entry.Length];
        (entry.DataStream ?? Stream.Null).ReadExactly(content);
        return content;
    }

    /// <summary>One logical file stored as consecutive members name.000000000, name.000000001, ...</summary>
    private sealed class ChunkedMemberStream(OvaSource owner, string href, TarEntry first) : V2V.Core.Formats.ForwardOnlyStream
    {
        private HashingReadStream? _current = owner.Member(first);
        private string _currentName = first.Name;
        private int _index;

        public override int Read(Span<byte> buffer)
        {
            while (_current is not null)
            {
                int got = _current.Read(buffer);
                if (got > 0 || buffer.IsEmpty)
                {
                    return got;
                }

                owner.Verify(_currentName, _current);
                _current.Dispose();
                _current = null;
                var next = UntrustedTar.NextFile(owner.Path, owner._reader);
                string expected = href + "." + (++_index).ToString("D9", CultureInfo.InvariantCulture);
                if (next is not null && next.Name == expected)
                {
                    _current = owner.Member(next);
                    _currentName = next.Name;
                }
                else
                {
                    owner._pending = next;
                }
            }

            return 0;
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
