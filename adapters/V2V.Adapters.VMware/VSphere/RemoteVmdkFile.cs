using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.DiskFormats.Common;
using V2V.DiskFormats.Vmdk;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// One VMDK of a chain on a datastore: its descriptor (a file of its own, or embedded in a
/// sparse extent) and its extents, each read over HTTP by the same extent readers as local
/// files (through <see cref="ImageFile.Over"/>). Extent files must lie in the descriptor's folder.
/// </summary>
internal sealed class RemoteVmdkFile : IDisposable
{
    private readonly VmdkExtent[] _extents;
    private readonly long[] _starts;

    private RemoteVmdkFile(DatastorePath path, VmdkDescriptor descriptor, VmdkExtent[] extents)
    {
        Path = path;
        Descriptor = descriptor;
        _extents = extents;
        _starts = new long[extents.Length];
        long start = 0;
        for (int i = 0; i < extents.Length; i++)
        {
            _starts[i] = start;
            start += extents[i].Length;
        }

        Capacity = start;
    }

    public DatastorePath Path { get; }
    public VmdkDescriptor Descriptor { get; }
    public long Capacity { get; }
    public IReadOnlyList<VmdkExtent> Extents => _extents;

    public static RemoteVmdkFile Open(Func<DatastorePath, DatastoreFile> open, DatastorePath path)
    {
        var file = ImageFileOf(open(path));
        bool handedOver = false;
        try
        {
            var head = new byte[(int)Math.Min(file.Length, 4096)];
            file.ReadExactly(0, head, "file head");
            if (SparseExtentHeader.HasMagic(head))
            {
                var embedded = Embedded(file, head);
                if (embedded.Extents.Count != 1 || embedded.Extents[0].Type != VmdkExtentType.Sparse)
                {
                    throw new UnsupportedFormatException(file.Path, "sparse VMDK whose embedded descriptor names other extents");
                }

                handedOver = true;
                return new RemoteVmdkFile(path, embedded, [HostedSparseExtent.Open(file, embedded.Extents[0].Sectors * 512)]);
            }

            if (CowdHeader.HasMagic(head) || SeSparseHeader.HasMagic(head))
            {
                throw new UnsupportedFormatException(file.Path, "this is a snapshot delta extent without its descriptor; the VM's disk names the descriptor (.vmdk)");
            }

            if (file.Length > VmdkDescriptor.MaxLength)
            {
                throw new InvalidImageException(file.Path, $"a descriptor file of {file.Length} bytes is too large to be one");
            }

            var text = new byte[file.Length];
            file.ReadExactly(0, text, "descriptor");
            var descriptor = VmdkDescriptor.Parse(file.Path, text);
            return new RemoteVmdkFile(path, descriptor, OpenExtents(open, path, descriptor));
        }
        finally
        {
            if (!handedOver)
            {
                file.Dispose();
            }
        }
    }

    private static ImageFile ImageFileOf(DatastoreFile file) => ImageFile.Over(file.Name, file.Length, file);

    private static VmdkDescriptor Embedded(ImageFile file, byte[] head)
    {
        if (head.Length < SparseExtentHeader.Size)
        {
            throw new InvalidImageException(file.Path, $"truncated: the sparse extent header needs {SparseExtentHeader.Size} bytes, but the file is {file.Length} bytes");
        }

        var header = SparseExtentHeader.Read(head);
        if (header.DescriptorOffset == 0 || header.DescriptorSize == 0 || header.DescriptorSize > VmdkDescriptor.MaxLength / 512 || header.DescriptorOffset > (ulong)(file.Length / 512))
        {
            throw new InvalidImageException(file.Path, $"embedded descriptor at sector {header.DescriptorOffset} of {header.DescriptorSize} sectors is missing or out of bounds");
        }

        var text = new byte[header.DescriptorSize * 512];
        file.ReadExactly((long)header.DescriptorOffset * 512, text, "embedded descriptor");
        return VmdkDescriptor.Parse(file.Path, text);
    }

    private static VmdkExtent[] OpenExtents(Func<DatastorePath, DatastoreFile> open, DatastorePath path, VmdkDescriptor descriptor)
    {
        var extents = new List<VmdkExtent>();
        try
        {
            foreach (var line in descriptor.Extents)
            {
                long length = line.Sectors * 512;
                if (line.Type == VmdkExtentType.Zero)
                {
                    extents.Add(new ZeroExtent(length));
                    continue;
                }

                if (line.Type is VmdkExtentType.VmfsRdm or VmdkExtentType.VmfsRaw)
                {
                    throw new UnsupportedFormatException(path.ToString(), $"raw device mapping extent \"{line.FileName}\": copy the mapped LUN itself");
                }

                if (line.Access == VmdkAccess.NoAccess)
                {
                    throw new UnsupportedFormatException(path.ToString(), $"extent \"{line.FileName}\" is marked NOACCESS");
                }

                var file = ImageFileOf(open(Beside(path, line.FileName!, "extent")));
                try
                {
                    extents.Add(line.Type switch
                    {
                        VmdkExtentType.Flat or VmdkExtentType.Vmfs => new RemoteFlatExtent(file, line.StartSector, length),
                        VmdkExtentType.Sparse => Sparse(file, length),
                        VmdkExtentType.VmfsSparse => CowdExtent.Open(file, length),
                        VmdkExtentType.SeSparse => SeSparseExtent.Open(file, length),
                        _ => throw new UnsupportedFormatException(path.ToString(), $"extent type {line.Type}"),
                    });
                }
                catch
                {
                    file.Dispose();
                    throw;
                }
            }

            return [.. extents];
        }
        catch
        {
            foreach (var extent in extents)
            {
                extent.Dispose();
            }

            throw;
        }
    }

    private static VmdkExtent Sparse(ImageFile file, long length)
    {
        var head = new byte[Math.Min(file.Length, 8)];
        file.ReadExactly(0, head, "extent header");
        return CowdHeader.HasMagic(head) ? CowdExtent.Open(file, length) : HostedSparseExtent.Open(file, length);
    }

    /// <summary>
    /// A file a descriptor names, in the descriptor's folder on the same datastore. Relative names
    /// below that folder are taken; names that climb out of it or are absolute are refused, as
    /// for local files (SafePath), except <paramref name="what"/> "parent", whose absolute ESXi
    /// path (/vmfs/volumes/...) is taken as the same file name beside the child.
    /// </summary>
    public static DatastorePath Beside(DatastorePath descriptor, string name, string what)
    {
        string normalized = name.Replace('\\', '/');
        bool absolute = normalized.StartsWith('/') || (normalized.Length > 1 && normalized[1] == ':') || normalized.StartsWith('[');
        if (absolute && what == "parent")
        {
            normalized = normalized[(normalized.LastIndexOf('/') + 1)..];
            absolute = false;
        }

        var parts = normalized.Split('/');
        if (absolute || parts.Any(p => p is ".." or "." or ""))
        {
            throw new UnsafePathException(descriptor.ToString(), name, "a VMDK on a datastore may name only files in its own folder");
        }

        int slash = descriptor.Path.LastIndexOf('/');
        string folder = slash < 0 ? "" : descriptor.Path[..(slash + 1)];
        return descriptor with { Path = folder + normalized };
    }

    public IEnumerable<DiskRange> EnumerateRanges()
    {
        for (int i = 0; i < _extents.Length; i++)
        {
            foreach (var extent in _extents[i].EnumerateRanges())
            {
                yield return extent with { Offset = extent.Offset + _starts[i] };
            }
        }
    }

    public void Read(long offset, Span<byte> destination, ILayerBacking below)
    {
        int index = Array.BinarySearch(_starts, offset);
        if (index < 0)
        {
            index = ~index - 1;
        }

        while (!destination.IsEmpty)
        {
            var extent = _extents[index];
            long inExtent = offset - _starts[index];
            int length = (int)Math.Min(destination.Length, extent.Length - inExtent);
            extent.Read(inExtent, destination[..length], offset, below);
            offset += length;
            destination = destination[length..];
            index++;
        }
    }

    public void Dispose()
    {
        foreach (var extent in _extents)
        {
            extent.Dispose();
        }
    }
}

/// <summary>A FLAT or VMFS extent over HTTP: every stored byte is data (a datastore file route reports no holes); past the file's end, zeros.</summary>
internal sealed class RemoteFlatExtent : VmdkExtent
{
    private readonly ImageFile _file;
    private readonly long _start;

    public RemoteFlatExtent(ImageFile file, long startSector, long length)
    {
        _file = file;
        _start = startSector * 512;
        Length = length;
        if (_start > file.Length)
        {
            throw new InvalidImageException(file.Path, $"flat extent starts at sector {startSector}, past the end of the file ({file.Length} bytes)");
        }
    }

    public override long Length { get; }
    public override IEnumerable<DiskRange> EnumerateRanges()
    {
        long stored = Math.Clamp(_file.Length - _start, 0, Length);
        if (stored > 0)
        {
            yield return new DiskRange(0, stored, RangeKind.Data);
        }

        if (stored < Length)
        {
            yield return new DiskRange(stored, Length - stored, RangeKind.Zero);
        }
    }

    public override void Read(long offset, Span<byte> destination, long virtualOffset, ILayerBacking below) =>
        _file.ReadOrZero(_start + offset, destination, "flat extent data");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }
}
