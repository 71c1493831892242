using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using V2V.Adapters.VMware.Ovf;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Pipeline;
using V2V.Core.Vm;
using V2V.DiskFormats.Common;
using V2V.DiskFormats.Vmdk;

namespace V2V.Adapters.VMware.Ova;

/// <summary>
/// An OVA given as a file, read in place: the tar headers are walked once (seeking past the data),
/// then each disk member is opened where it lies with the regular reader of its format
/// (streamOptimized or monolithicSparse VMDK, dynamic or fixed VHD, VHDX, raw) and read by every
/// pipeline worker at once. gzip-compressed and chunked members cannot be read in place and are
/// streamed. Every member the manifest lists is hashed — a disk member on a thread of its own while
/// it converts, from the same (cached) pages the workers read — and a mismatch fails the package
/// before any output is put in place; with <see cref="SourceOptions.SkipManifestCheck"/> the
/// manifest is not read and nothing is hashed (each VM carries a warning saying so).
/// </summary>
public sealed class OvaFileSource : IVmSource
{
    /// <summary>More members than any appliance has: bounds the header walk of a hostile archive.</summary>
    public const int MaxMembers = 100_000;

    private readonly FileStream _file;
    private readonly FormatRegistry _formats;
    private readonly Dictionary<string, OvaMember> _members;
    private readonly IReadOnlyList<OvfDiskTarget> _disks;
    private readonly OvaManifest? _manifest;
    private readonly Dictionary<string, byte[]> _read;

    private OvaFileSource(string path, FileStream file, FormatRegistry formats, Dictionary<string, OvaMember> members,
        IReadOnlyList<VmDescription> vms, IReadOnlyList<OvfDiskTarget> disks, OvaManifest? manifest, Dictionary<string, byte[]> read)
    {
        Path = path;
        _file = file;
        _formats = formats;
        _members = members;
        Vms = vms;
        _disks = disks;
        _manifest = manifest;
        _read = read;
    }

    public string Path { get; }
    public string Format => "ova";
    public IReadOnlyList<VmDescription> Vms { get; }

    /// <summary>The OVA file: every disk member is read from it in place.</summary>
    public IReadOnlyList<string> Files => [Path];

    private SafeFileHandle Handle => _file.SafeFileHandle;

    /// <summary>Walks the headers of the OVA in <paramref name="file"/> (which it takes over) and reads its .ovf and manifest (unless <paramref name="options"/> skip it).</summary>
    public static OvaFileSource Open(string path, FileStream file, FormatRegistry formats, SourceOptions options)
    {
        try
        {
            var members = Walk(path, file, out string ovfName);
            var read = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            var ovf = ReadSmall(path, file.SafeFileHandle, members[ovfName], OvfEnvelope.MaxLength);
            read[ovfName] = ovf;
            var envelope = OvfEnvelope.Parse($"{path}:{ovfName}", ovf);
            var (vms, disks) = OvfDiskMap.Build(envelope, $"{path}:{ovfName}");

            var manifests = members.Keys.Where(n => n.EndsWith(".mf", StringComparison.OrdinalIgnoreCase) && disks.All(d => d.File.Href != n)).ToList();
            if (manifests.Count > 1)
            {
                throw new InvalidImageException(path, $"a second manifest, \"{manifests[1]}\"");
            }

            OvaManifest? manifest = null;
            var notes = new List<string>();
            if (manifests.Count == 1 && options.SkipManifestCheck)
            {
                notes.Add(OvaManifest.SkippedNote(manifests[0]));
            }
            else if (manifests.Count == 1)
            {
                manifest = OvaManifest.Parse($"{path}:{manifests[0]}", ReadSmall(path, file.SafeFileHandle, members[manifests[0]], OvaManifest.MaxLength))
                    .WithoutSelf(manifests[0], out bool listedItself);
                if (listedItself)
                {
                    notes.Add(OvaManifest.SelfListedNote(manifests[0]));
                }
            }

            var source = new OvaFileSource(path, file, formats, members, vms, disks, manifest, read);
            source.Check(ovfName, ovf);
            return source.WithVms(source.WithDiskSizes(vms, notes));
        }
        catch (Exception e) when (UntrustedTar.IsDamage(e))
        {
            file.Dispose();
            throw UntrustedTar.Damaged(path, e);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public async Task ForEachDiskAsync(Func<VmDiskFeed, Task> convert, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var target in _disks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!seen.Add(target.File.Href))
            {
                var first = _disks.First(d => d.File.Href == target.File.Href);
                throw new UnsupportedFormatException($"{Path}:{target.File.Href}", $"file is used by more than one disk (\"{first.Disk.DiskId}\" and \"{target.Disk.DiskId}\")");
            }

            string name = $"{Path}:{target.File.Href}";
            var pieces = Pieces(target);
            if (target.File.Compression == "gzip" || pieces[0].Name != target.File.Href)
            {
                await ConvertStreamedAsync(target, name, pieces, convert).ConfigureAwait(false);
                continue;
            }

            var member = pieces[0];
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var hashing = Task.Run(() => HashMember(member, stop.Token), stop.Token);
            try
            {
                using var disk = OpenDisk(name, member);
                await convert(new VmDiskFeed(target.Vm, target.DiskNumber, name, new RandomAccessProducer(disk, disk.Capacity), [Path]) { BusyThreads = AlgorithmsFor(member.Name).Length }).ConfigureAwait(false);
            }
            catch
            {
                await stop.CancelAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                // The hash must be over before the file can be closed.
                await Task.WhenAny(hashing).ConfigureAwait(false);
            }

            Check(member.Name, await hashing.ConfigureAwait(false));
        }

        // Members that are not disks (NVRAM, certificates, ...) but that the manifest vouches for.
        foreach (var listed in _manifest?.Entries.Keys ?? [])
        {
            if (!_members.TryGetValue(listed, out var member))
            {
                throw new InvalidImageException(Path, $"the manifest lists \"{listed}\", which the package does not contain");
            }

            if (!_read.ContainsKey(listed) && !_disks.Any(d => d.File.Href == listed || OvaSource.ChunkBase(listed) == d.File.Href))
            {
                Check(listed, HashMember(member, cancellationToken));
            }
        }
    }

    public void Dispose() => _file.Dispose();

    /// <summary>The same package with amended VM descriptions (in the same order), its disks pointing at them.</summary>
    private OvaFileSource WithVms(List<VmDescription> vms)
    {
        var disks = _disks.Select(d => d with { Vm = vms[Vms.ToList().IndexOf(d.Vm)] }).ToList();
        return new(Path, _file, _formats, _members, vms, disks, _manifest, _read);
    }

    /// <summary>The disk of a plain member, by its signature: a foreign container is refused by name.</summary>
    private IDiskSource OpenDisk(string name, OvaMember member)
    {
        var view = ImageFile.Slice(name, Handle, member.Offset, member.Length);
        var probe = FileProbe.Read(name, member.Length, (offset, buffer) => PositionalRead.ReadAvailable(Handle, buffer.Span, member.Offset + offset));
        return MemberDisk.Open(view, _formats.Detect(probe).Name);
    }

    /// <summary>Each disk's own size replaces the OVF's capacity; a disagreement is a warning naming both.</summary>
    private List<VmDescription> WithDiskSizes(IReadOnlyList<VmDescription> vms, List<string> packageNotes)
    {
        var result = new List<VmDescription>();
        foreach (var vm in vms)
        {
            var warnings = new List<string>(packageNotes);
            var drives = vm.Drives.ToList();
            foreach (var target in _disks.Where(d => d.Vm == vm && d.File.Compression != "gzip" && _members.ContainsKey(d.File.Href)))
            {
                long capacity;
                try
                {
                    using var disk = OpenDisk($"{Path}:{target.File.Href}", _members[target.File.Href]);
                    capacity = disk.Capacity;
                }
                catch (V2VException)
                {
                    continue; // a damaged disk is reported when it is converted; info still describes the VM
                }

                int index = drives.FindIndex(d => d.Kind == DriveKind.Disk && d.Source == target.Disk.DiskId);
                if (target.Disk.Capacity != capacity)
                {
                    warnings.Add($"disk \"{target.Disk.DiskId}\": the OVF gives a capacity of {target.Disk.Capacity} bytes, the disk file \"{target.File.Href}\" holds {capacity} bytes; the disk's own size is used");
                }

                if (index >= 0)
                {
                    drives[index] = drives[index] with { Capacity = capacity };
                }
            }

            result.Add(vm with { Drives = drives, SourceWarnings = [.. vm.SourceWarnings, .. warnings] });
        }

        return result;
    }

    /// <summary>gzip-compressed or chunked disks: their pieces streamed in order (hashed as they pass).</summary>
    private async Task ConvertStreamedAsync(OvfDiskTarget target, string name, List<OvaMember> pieces, Func<VmDiskFeed, Task> convert)
    {
        var hashed = pieces.Select(p => new HashingReadStream(new OvaMemberStream(Handle, p), AlgorithmsFor(p.Name))).ToList();
        try
        {
            using var joined = new JoinedStream(hashed);
            using var content = target.File.Compression == "gzip" ? new GZipStream(joined, CompressionMode.Decompress, leaveOpen: true) : (Stream)joined;
            using var buffered = new BufferedStream(content, 1 << 20);
            long? length = target.File.Compression is null ? pieces.Sum(p => p.Length) : null;
            var producer = StreamedMemberDisk.Start(buffered, name, target, length, "a compressed or chunked member is read as a stream: only streamOptimized VMDK, raw and fixed VHD can be");
            await convert(new VmDiskFeed(target.Vm, target.DiskNumber, name, producer, [Path])).ConfigureAwait(false);
            joined.CopyTo(Stream.Null);
            for (int i = 0; i < pieces.Count; i++)
            {
                Check(pieces[i].Name, hashed[i].FinishHex());
            }
        }
        catch (Exception e) when (UntrustedTar.IsDamage(e))
        {
            throw new InvalidImageException(name, $"damaged gzip stream: {e.Message}");
        }
        finally
        {
            hashed.ForEach(h => h.Dispose());
        }
    }

    private List<OvaMember> Pieces(OvfDiskTarget target)
    {
        string href = target.File.Href;
        if (_members.TryGetValue(href, out var whole))
        {
            return [whole];
        }

        var pieces = new List<OvaMember>();
        for (int i = 0; _members.TryGetValue(href + "." + i.ToString("D9", CultureInfo.InvariantCulture), out var piece); i++)
        {
            pieces.Add(piece);
        }

        return pieces.Count > 0 ? pieces : throw new InvalidImageException(Path, $"disk file \"{href}\" of VM \"{target.Vm.Name}\" is not in the package");
    }

    private HashAlgorithmName[] AlgorithmsFor(string name) =>
        _manifest is not null && _manifest.Entries.TryGetValue(name, out var listed) ? [listed.Algorithm] : [];

    private Dictionary<HashAlgorithmName, string> HashMember(OvaMember member, CancellationToken cancellationToken)
    {
        var algorithms = AlgorithmsFor(member.Name);
        if (algorithms.Length == 0)
        {
            return [];
        }

        using var hash = IncrementalHash.CreateHash(algorithms[0]);
        var buffer = new byte[1 << 20];
        for (long done = 0; done < member.Length;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int want = (int)Math.Min(buffer.Length, member.Length - done);
            PositionalRead.ReadExactly(Handle, Path, buffer.AsSpan(0, want), member.Offset + done, $"member \"{member.Name}\"");

            hash.AppendData(buffer, 0, want);
            done += want;
        }

        return new() { [algorithms[0]] = Convert.ToHexStringLower(hash.GetHashAndReset()) };
    }

    private void Check(string name, byte[] content)
    {
        if (AlgorithmsFor(name) is [var algorithm])
        {
            Check(name, new Dictionary<HashAlgorithmName, string> { [algorithm] = Convert.ToHexStringLower(HashOf(algorithm, content)) });
        }
    }

    private static byte[] HashOf(HashAlgorithmName algorithm, byte[] content)
    {
        using var hash = IncrementalHash.CreateHash(algorithm);
        hash.AppendData(content);
        return hash.GetHashAndReset();
    }

    private void Check(string name, Dictionary<HashAlgorithmName, string> hexes)
    {
        if (_manifest is null || !_manifest.Entries.TryGetValue(name, out var listed))
        {
            return;
        }

        string actual = hexes[listed.Algorithm];
        if (actual != listed.Hex)
        {
            throw new ChecksumMismatchException($"{Path}:{name}", $"manifest {listed.Algorithm.Name}", listed.Hex, actual);
        }
    }

    /// <summary>Every member's name and place; the first must be the .ovf, no name may come twice.</summary>
    private static Dictionary<string, OvaMember> Walk(string path, FileStream file, out string ovfName)
    {
        var members = new Dictionary<string, OvaMember>(StringComparer.Ordinal);
        string? first = null;
        using var reader = new TarReader(file, leaveOpen: true);
        while (UntrustedTar.NextFile(path, reader) is { } entry)
        {
            if (first is null && !entry.Name.EndsWith(".ovf", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidImageException(path, $"the first member is \"{entry.Name}\"; an OVA must start with its .ovf");
            }

            first ??= entry.Name;
            if (entry.DataOffset < 0 || entry.Length < 0 || entry.DataOffset > file.Length - entry.Length)
            {
                throw new InvalidImageException(path, $"member \"{entry.Name}\" of {entry.Length} bytes runs past the end of the archive (truncated?)");
            }

            // A second member of one name would let a good copy vouch for a bad one.
            if (!members.TryAdd(entry.Name, new OvaMember(entry.Name, entry.DataOffset, entry.Length)))
            {
                throw new InvalidImageException(path, $"member \"{entry.Name}\" appears twice");
            }

            if (members.Count > MaxMembers)
            {
                throw new InvalidImageException(path, $"more than {MaxMembers} members: not an appliance package");
            }
        }

        ovfName = first ?? throw new InvalidImageException(path, "the archive is empty");
        return members;
    }

    private static byte[] ReadSmall(string path, SafeFileHandle handle, OvaMember member, int limit)
    {
        if (member.Length > limit)
        {
            throw new InvalidImageException(path, $"member \"{member.Name}\" of {member.Length} bytes is too large for what it claims to be");
        }

        var content = new byte[member.Length];
        PositionalRead.ReadExactly(handle, path, content, member.Offset, $"member \"{member.Name}\"");

        return content;
    }
}
