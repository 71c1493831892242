using System.Globalization;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vhd;

/// <summary>
/// A VHD and, for a differencing disk, its parents: found through the parent locators (relative
/// first), checked by the parent's unique id, refused when they leave the child's folder (unless
/// allowed), loop, or go missing.
/// </summary>
public sealed class VhdDisk : IDiskSource
{
    public const int MaxChainLength = 64;

    private readonly VhdFile[] _files;
    private readonly ILayerBacking _below;

    private VhdDisk(VhdFile[] files)
    {
        _files = files;
        ILayerBacking below = ZeroBacking.Instance;
        for (int i = files.Length - 1; i >= 1; i--)
        {
            below = new FileBacking(files[i], below);
        }

        _below = below;
    }

    public string Path => _files[0].File.Path;
    public long Capacity => _files[0].VirtualSize;
    public int LogicalSectorSize => 512;
    /// <summary>The differencing chain, the opened file first, then its parents.</summary>
    public IReadOnlyList<VhdFile> Chain => _files;

    public IReadOnlyList<string> Files => [.. _files.Select(f => f.File.Path)];

    /// <summary>
    /// A fixed or dynamic VHD that must stand alone (a package member, which has no folder to find
    /// parents in): a differencing disk is refused.
    /// </summary>
    public static VhdDisk OpenAlone(ImageFile file)
    {
        var vhd = VhdFile.Open(file);
        if (vhd.IsDifferencing)
        {
            vhd.Dispose();
            throw new UnsupportedFormatException(file.Path, "is a differencing VHD inside a package, where no parent can be found: export the VM with its disks merged");
        }

        return new VhdDisk([vhd]);
    }

    public static VhdDisk Open(string path, SourceOptions options)
    {
        var files = new List<VhdFile>();
        try
        {
            var seen = new HashSet<string>(StringComparer.Ordinal) { System.IO.Path.GetFullPath(path) };
            var current = VhdFile.Open(path);
            files.Add(current);
            while (current.IsDifferencing)
            {
                if (files.Count >= MaxChainLength)
                {
                    throw new UnsupportedFormatException(path, $"differencing chain longer than {MaxChainLength} disks");
                }

                string parentPath = FindParent(current, options);
                if (!seen.Add(parentPath))
                {
                    throw new InvalidImageException(current.File.Path, $"differencing chain loops back to {parentPath}");
                }

                var parent = VhdFile.Open(parentPath);
                files.Add(parent);
                if (parent.Footer.UniqueId != current.Header!.ParentUniqueId)
                {
                    throw new InvalidImageException(current.File.Path, $"parent {parentPath} has unique id {parent.Footer.UniqueId}, but the disk was made from {current.Header.ParentUniqueId} (the parent changed)");
                }

                if (parent.VirtualSize != current.VirtualSize)
                {
                    throw new InvalidImageException(current.File.Path, $"virtual size {current.VirtualSize} differs from its parent's ({parent.VirtualSize})");
                }

                current = parent;
            }

            return new VhdDisk([.. files]);
        }
        catch
        {
            foreach (var file in files)
            {
                file.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// The parent file: each locator (relative W2ru, absolute W2ku, then the header's parent name)
    /// resolved beside the child; an absolute name from another host (<c>C:\VMs\parent.vhd</c>) is
    /// then taken as the same file name beside the child. The refusal names every locator tried.
    /// </summary>
    private static string FindParent(VhdFile child, SourceOptions options)
    {
        var names = child.ParentLocations().Append(child.Header!.ParentName).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var tried = new List<string>();
        foreach (var name in names)
        {
            try
            {
                string resolved = SafePath.Resolve(child.File.Path, name, options.AllowExternalFiles);
                if (File.Exists(resolved))
                {
                    return resolved;
                }

                tried.Add($"\"{name}\" (no such file)");
            }
            catch (UnsafePathException e)
            {
                tried.Add($"\"{name}\" (refused: {e.Why})");
            }
        }

        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(child.File.Path))!;
        foreach (string beside in names.Select(n => System.IO.Path.GetFileName(n.Replace('\\', '/'))).Where(b => b.Length > 0).Distinct(StringComparer.Ordinal))
        {
            if (File.Exists(System.IO.Path.Combine(folder, beside)))
            {
                return SafePath.Resolve(child.File.Path, beside, allowExternal: false);
            }

            tried.Add($"\"{beside}\" beside the child (no such file)");
        }

        throw new InvalidImageException(child.File.Path, names.Count == 0
            ? "differencing disk names no parent (no parent locator, no parent name)"
            : $"parent disk does not exist; tried {string.Join(", ", tried)}");
    }

    public IEnumerable<DiskRange> EnumerateRanges() =>
        _files.Length == 1 ? _files[0].EnumerateRanges() : ChainRanges.UnionOfData(_files.Select(f => f.EnumerateRanges()), Capacity);

    public void Read(long offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Capacity - destination.Length);
        _files[0].Read(offset, destination, _below);
    }

    public SourceDescription Describe()
    {
        var top = _files[0];
        var footer = top.Footer;
        var properties = new List<KeyValuePair<string, string>>
        {
            new("creator", $"\"{footer.CreatorApplication.TrimEnd('\0')}\" {footer.CreatorVersion >> 16}.{footer.CreatorVersion & 0xFFFF}"),
            new("current size", footer.CurrentSize.ToString(CultureInfo.InvariantCulture)),
            new("geometry", $"{footer.Geometry.Cylinders}/{footer.Geometry.Heads}/{footer.Geometry.SectorsPerTrack} ({footer.Geometry.Bytes} bytes)"),
            new("size from", footer.UsesChsSize ? "CHS geometry (Virtual PC / qemu)" : "current size"),
            new("unique id", footer.UniqueId.ToString()),
        };
        if (top.Header is { } header)
        {
            properties.Add(new("block size", header.BlockSize.ToString(CultureInfo.InvariantCulture)));
        }

        if (top.FooterFromCopy)
        {
            properties.Add(new("footer", "the copy at offset 0 (the footer at the end is damaged)"));
        }

        string subformat = footer.DiskType switch
        {
            VhdDiskType.Fixed => "fixed",
            VhdDiskType.Dynamic => "dynamic",
            _ => "differencing",
        };
        return new SourceDescription("vhd", subformat, _files.Select(f => f.File.Path).ToList(), properties);
    }

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private sealed class FileBacking(VhdFile file, ILayerBacking below) : ILayerBacking
    {
        public void Read(long offset, Span<byte> destination) => file.Read(offset, destination, below);
    }
}
