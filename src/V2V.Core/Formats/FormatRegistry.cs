using V2V.Core.Disks;
using V2V.Core.Errors;

namespace V2V.Core.Formats;

/// <summary>
/// The ordered list of formats. Sources are recognised by magic bytes, never by name; a file
/// that carries the signature of a container or compressor V2V does not read (qcow2, gzip, ISO,
/// ...; <see cref="ForeignSignature"/>) is refused by what it is; a file that matches no magic is
/// raw, unless its extension claims a format, in which case it is a damaged image and is refused
/// rather than copied byte for byte.
/// </summary>
public sealed class FormatRegistry
{
    private readonly List<IImageFormat> _sources;
    private readonly List<ITargetFormat> _targets;
    private readonly List<Vm.IVmSourceFormat> _vmSources;
    private readonly IImageFormat _raw;

    public FormatRegistry(IEnumerable<IImageFormat> sources, IImageFormat raw, IEnumerable<ITargetFormat> targets, IEnumerable<Vm.IVmSourceFormat>? vmSources = null)
    {
        _sources = [.. sources];
        _raw = raw;
        _targets = [.. targets];
        _vmSources = [.. vmSources ?? []];
    }

    /// <summary>The disk image formats recognised by their magic bytes, in detection order (raw is not among them).</summary>
    public IReadOnlyList<IImageFormat> Sources => _sources;

    /// <summary>What a file or device carrying no known signature is read as.</summary>
    public IImageFormat Raw => _raw;

    /// <summary>The VM package formats, in detection order; the <see cref="Vm.IStreamableVmSourceFormat"/> ones are also read from a stream.</summary>
    public IReadOnlyList<Vm.IVmSourceFormat> VmSources => _vmSources;

    /// <summary>The formats V2V writes, in the order help lists them.</summary>
    public IReadOnlyList<ITargetFormat> Targets => _targets;

    /// <summary>Every source format's name: disk images in detection order, raw, then VM packages.</summary>
    public IReadOnlyList<string> SourceNames => [.. _sources.Select(f => f.Name), _raw.Name, .. _vmSources.Select(f => f.Name)];

    /// <summary>The name of the format a file matching no magic is read as.</summary>
    public string RawName => _raw.Name;

    private static ReadOnlySpan<byte> ZstdFrameMagic => [0x28, 0xB5, 0x2F, 0xFD];

    /// <summary>The VM package format (OVA, OVF, VMX, XVA) whose signature the probe carries, if any.</summary>
    public Vm.IVmSourceFormat? DetectVmSource(FileProbe probe) => _vmSources.FirstOrDefault(f => f.Detect(probe));

    /// <summary>
    /// Opens a VM package arriving on a stream (stdin): its first bytes are peeked to recognise it,
    /// then replayed to the reader.
    /// </summary>
    public Vm.IVmSource OpenVmStream(string name, Stream input, SourceOptions options)
    {
        // Peek no more than a file probe reads, so a pipe that holds a small disk and stays open is
        // refused at once; only a zstd frame needs more before it can be looked into.
        var (head, stream) = PrefixedStream.Peek(input, FileProbe.HeadSize);
        if (head.Length == FileProbe.HeadSize && head.AsSpan().StartsWith(ZstdFrameMagic))
        {
            (head, stream) = PrefixedStream.Peek(stream, FileProbe.StreamHeadSize);
        }

        var probe = FileProbe.FromBytes(name, head);
        if (DetectVmSource(probe) is Vm.IStreamableVmSourceFormat format)
        {
            return format.OpenStream(name, stream, options);
        }

        stream.Dispose();
        if (ForeignSignature.Find(probe) is { } foreign)
        {
            throw ForeignSignature.Refusal(name, foreign);
        }

        throw new UnsupportedFormatException(name, "is a stream (a pipe, FIFO or device) and holds no OVA or XVA, the only packages read as streams; other formats need a seekable file");
    }

    /// <summary>The VM package format of a file, if it is one.</summary>
    public Vm.IVmSourceFormat? DetectVmSourceFile(string path) =>
        File.Exists(path) && !FileIdentity.IsStream(path) ? DetectVmSource(ProbeFile(path)) : null;

    /// <summary>The format whose magic the probe carries, raw when none does.</summary>
    public IImageFormat Detect(FileProbe probe)
    {
        foreach (var format in _sources)
        {
            if (format.Detect(probe))
            {
                return format;
            }
        }

        // Before the foreign signatures: an OVA or XVA is a tar, and a VMX or OVF has no magic a
        // disk format claims, so a disk-only command must not call them damaged or "not an OVA".
        if (DetectVmSource(probe) is { } package)
        {
            throw new UnsupportedFormatException(probe.Path,
                $"is a VM package ({package.Name.ToUpperInvariant()}), not a disk image: give one of its disks, or use convert, info or inspect, which read packages");
        }

        if (ForeignSignature.Find(probe) is { } foreign)
        {
            throw ForeignSignature.Refusal(probe.Path, foreign);
        }

        string extension = System.IO.Path.GetExtension(probe.Path).TrimStart('.');
        var claimed = _sources.Select(f => (f.Name, f.Extensions)).Concat(_vmSources.Select(f => (f.Name, f.Extensions)))
            .FirstOrDefault(f => f.Extensions.Contains(extension, StringComparer.OrdinalIgnoreCase));
        if (claimed.Name is not null)
        {
            throw new InvalidImageException(probe.Path, $"named like a {claimed.Name} file but has no {claimed.Name} signature");
        }

        return _raw;
    }

    /// <summary>Opens a file or block device as a disk, choosing the format by its magic bytes.</summary>
    public IDiskSource Open(string path, SourceOptions options) => DetectFile(path).Open(path, options);

    /// <summary>The format of a file or block device, by its magic bytes.</summary>
    public IImageFormat DetectFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new UsageException($"{path}: is a directory, not a disk image, device or VM package");
        }

        // Streams first: File.Exists is false on Windows for NUL, CON and named pipes.
        if (FileIdentity.IsStream(path))
        {
            throw new UsageException($"{path}: is a pipe or character device, and this needs a seekable file (only convert reads a stream, and only an OVA or XVA)");
        }

        // A Windows drive or volume is read as raw, never probed: it takes only whole-sector reads,
        // and File.Exists does not see devices.
        if (FileIdentity.IsWindowsDevice(path))
        {
            return _raw;
        }

        if (!File.Exists(path))
        {
            throw new UsageException($"{path}: no such file or device");
        }

        return Detect(ProbeFile(path));
    }

    private static FileProbe ProbeFile(string path)
    {
        using var probeHandle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        long length = RandomAccess.GetLength(probeHandle);
        return FileProbe.Read(path, length, (offset, buffer) => PositionalRead.ReadAvailable(probeHandle, buffer.Span, offset));
    }

    public ITargetFormat Target(string name) =>
        _targets.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new UsageException($"unknown target format \"{name}\" (known: {string.Join(", ", _targets.Select(t => t.Name))})");

    /// <summary>The target format a file name's extension selects, if any.</summary>
    public ITargetFormat? TargetForPath(string path)
    {
        string extension = System.IO.Path.GetExtension(path).TrimStart('.');
        return _targets.FirstOrDefault(t => t.Extensions.Contains(extension, StringComparer.OrdinalIgnoreCase));
    }
}
