using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// One VMDK of a chain: its descriptor and its extents laid end to end. Ranges it does not hold
/// are read from the layer below (its parent).
/// </summary>
public sealed class VmdkFile : IChainFile
{
    private readonly VmdkExtent[] _extents;
    private readonly long[] _starts;

    private VmdkFile(string path, VmdkDescriptor descriptor, VmdkExtent[] extents, IEnumerable<string> extentFiles)
    {
        Path = path;
        Files = [.. extentFiles.Prepend(path).Distinct(StringComparer.Ordinal)];
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

    public string Path { get; }
    public VmdkDescriptor Descriptor { get; }
    public long Capacity { get; }
    public IReadOnlyList<VmdkExtent> Extents => _extents;

    /// <summary>The descriptor (or sparse file) and every extent file it names, in descriptor order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>
    /// A monolithic sparse or streamOptimized VMDK that must stand alone (a package member viewed
    /// in place): one sparse extent holding its own descriptor, no parent. The file is the layer's
    /// once this returns.
    /// </summary>
    public static VmdkFile OpenAlone(ImageFile file)
    {
        var head = new byte[(int)Math.Min(file.Length, 4096)];
        file.ReadExactly(0, head, "file head");
        if (!SparseExtentHeader.HasMagic(head))
        {
            throw new UnsupportedFormatException(file.Path, "is a VMDK descriptor or delta inside a package; only monolithic sparse and streamOptimized VMDKs, which hold their own data, can be read there");
        }

        var descriptor = EmbeddedDescriptor(file, head);
        if (descriptor.Extents.Count != 1 || descriptor.Extents[0].Type != VmdkExtentType.Sparse || descriptor.HasParent)
        {
            throw new UnsupportedFormatException(file.Path, "is a VMDK that names other files (extents or a parent) inside a package, where they cannot be found");
        }

        return new VmdkFile(file.Path, descriptor, [HostedSparseExtent.Open(file, descriptor.Extents[0].Sectors * 512)], []);
    }

    /// <summary>Opens a local VMDK file: a text descriptor, or a sparse extent with an embedded descriptor.</summary>
    public static VmdkFile Open(string path, SourceOptions options) => Open(path, new LocalImageFiles(options));

    /// <summary>
    /// Opens a VMDK file from <paramref name="files"/>, its extent files resolved beside it there
    /// (names that escape its folder are refused by <paramref name="files"/>).
    /// </summary>
    public static VmdkFile Open(string path, IImageFileSystem files)
    {
        var file = files.Open(path);
        bool handedOver = false;
        try
        {
            var head = new byte[(int)Math.Min(file.Length, 4096)];
            file.ReadExactly(0, head, "file head");
            if (SparseExtentHeader.HasMagic(head))
            {
                var embeddedDescriptor = EmbeddedDescriptor(file, head);
                var extents = OpenExtents(path, embeddedDescriptor, files, file, out handedOver, out var embeddedFiles);
                return new VmdkFile(path, embeddedDescriptor, extents, embeddedFiles);
            }

            if (CowdHeader.HasMagic(head) || SeSparseHeader.HasMagic(head))
            {
                throw new UnsupportedFormatException(path, "this is a snapshot delta extent without its descriptor; open the descriptor (.vmdk) that names it");
            }

            if (file.Length > VmdkDescriptor.MaxLength)
            {
                throw new InvalidImageException(path, $"a descriptor file of {file.Length} bytes is too large to be one");
            }

            var text = new byte[file.Length];
            file.ReadExactly(0, text, "descriptor");
            var descriptor = VmdkDescriptor.Parse(path, text);
            return new VmdkFile(path, descriptor, OpenExtents(path, descriptor, files, embedded: null, out _, out var extentFiles), extentFiles);
        }
        finally
        {
            // Once an extent holds the file it is the extent's to close (disposing twice is harmless).
            if (!handedOver)
            {
                file.Dispose();
            }
        }
    }

    private static VmdkDescriptor EmbeddedDescriptor(ImageFile file, byte[] head)
    {
        if (head.Length < SparseExtentHeader.Size)
        {
            throw new InvalidImageException(file.Path, $"truncated: the sparse extent header needs {SparseExtentHeader.Size} bytes, but the file is {file.Length} bytes");
        }

        var header = SparseExtentHeader.Read(head);
        if (header.DescriptorOffset == 0 || header.DescriptorSize == 0)
        {
            throw new InvalidImageException(file.Path, "sparse extent has no embedded descriptor (descriptorOffset 0); open the descriptor that names it");
        }

        if (header.DescriptorSize > VmdkDescriptor.MaxLength / 512 || header.DescriptorOffset > (ulong)(file.Length / 512))
        {
            throw new InvalidImageException(file.Path, $"embedded descriptor at sector {header.DescriptorOffset} of {header.DescriptorSize} sectors is out of bounds");
        }

        var text = new byte[header.DescriptorSize * 512];
        file.ReadExactly((long)header.DescriptorOffset * 512, text, "embedded descriptor");
        return VmdkDescriptor.Parse(file.Path, text);
    }

    /// <summary>
    /// Opens the descriptor's extents. <paramref name="embedded"/> is the file that carried the
    /// descriptor; <paramref name="usedEmbedded"/> says whether an extent took it over;
    /// <paramref name="extentFiles"/> lists the extent files, in descriptor order.
    /// </summary>
    private static VmdkExtent[] OpenExtents(string path, VmdkDescriptor descriptor, IImageFileSystem files, ImageFile? embedded, out bool usedEmbedded, out List<string> extentFiles)
    {
        usedEmbedded = false;
        extentFiles = [];
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
                    throw new UnsupportedFormatException(path, $"raw device mapping extent \"{line.FileName}\": copy the mapped LUN itself (it is a block device on the ESXi host)");
                }

                if (line.Access == VmdkAccess.NoAccess)
                {
                    throw new UnsupportedFormatException(path, $"extent \"{line.FileName}\" is marked NOACCESS");
                }

                // A monolithic sparse file's descriptor names the file itself.
                ImageFile file;
                if (embedded is not null && descriptor.Extents.Count == 1 && line.Type == VmdkExtentType.Sparse)
                {
                    file = embedded;
                    usedEmbedded = true;
                }
                else
                {
                    string extentPath = files.Resolve(path, line.FileName!);
                    if (!files.Exists(extentPath))
                    {
                        throw new InvalidImageException(path, $"extent file \"{line.FileName}\" does not exist");
                    }

                    file = files.Open(extentPath);
                }

                extentFiles.Add(file.Path);
                try
                {
                    extents.Add(line.Type switch
                    {
                        VmdkExtentType.Flat or VmdkExtentType.Vmfs => new FlatExtent(file, line.StartSector, length),
                        VmdkExtentType.Sparse => OpenSparse(file, length),
                        VmdkExtentType.VmfsSparse => CowdExtent.Open(file, length),
                        VmdkExtentType.SeSparse => SeSparseExtent.Open(file, length),
                        _ => throw new UnsupportedFormatException(path, $"extent type {line.Type}"),
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

    /// <summary>A SPARSE extent is hosted sparse ("KDMV") or, in ESX descriptors, a COWD delta.</summary>
    private static VmdkExtent OpenSparse(ImageFile file, long length)
    {
        var head = new byte[Math.Min(file.Length, 8)];
        file.ReadExactly(0, head, "extent header");
        return CowdHeader.HasMagic(head) ? CowdExtent.Open(file, length) : HostedSparseExtent.Open(file, length);
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
