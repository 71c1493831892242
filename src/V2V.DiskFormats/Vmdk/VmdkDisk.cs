using System.Globalization;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// A VMDK and its snapshot parents, flattened: the newest delta first, the base disk last. Each
/// parent is found through parentFileNameHint and must carry the CID its child recorded; a
/// missing parent, a CID mismatch and a cycle are errors.
/// </summary>
public sealed class VmdkDisk : IDiskSource
{
    public const int MaxChainLength = 64;

    private readonly VmdkFile[] _layers;
    private readonly ILayerBacking _top;

    private VmdkDisk(VmdkFile[] layers)
    {
        _layers = layers;
        ILayerBacking below = ZeroBacking.Instance;
        for (int i = layers.Length - 1; i >= 1; i--)
        {
            below = new LayerBacking(layers[i], below);
        }

        _top = below;
    }

    public string Path => _layers[0].Path;
    public long Capacity => _layers[0].Capacity;
    public int LogicalSectorSize => 512;
    /// <summary>The snapshot chain, the opened file first, then its parents down to the base disk.</summary>
    public IReadOnlyList<VmdkFile> Chain => _layers;

    /// <summary>A self-contained sparse VMDK (a package member viewed in place); see <see cref="VmdkFile.OpenAlone"/>.</summary>
    public static VmdkDisk OpenAlone(ImageFile file) => new([VmdkFile.OpenAlone(file)]);

    /// <summary>Every layer's descriptor and every extent file it names (flat, split -s001, deltas).</summary>
    public IReadOnlyList<string> Files =>
        [.. _layers.SelectMany(l => l.Extents.Select(e => e.FilePath).OfType<string>().Prepend(l.Path)).Distinct(StringComparer.Ordinal)];

    public static VmdkDisk Open(string path, SourceOptions options)
    {
        var layers = new List<VmdkFile>();
        try
        {
            var seen = new HashSet<string>(StringComparer.Ordinal) { System.IO.Path.GetFullPath(path) };
            var layer = VmdkFile.Open(path, options);
            layers.Add(layer);
            while (layer.Descriptor.ParentCid != VmdkDescriptor.NoParent)
            {
                string hint = layer.Descriptor.ParentFileNameHint
                    ?? throw new InvalidImageException(layer.Path, $"delta disk (parentCID {layer.Descriptor.ParentCid:x8}) names no parentFileNameHint");
                string parentPath = ResolveParent(layer.Path, hint, options);
                if (!seen.Add(parentPath))
                {
                    throw new InvalidImageException(layer.Path, $"snapshot chain loops back to {parentPath}");
                }

                if (layers.Count >= MaxChainLength)
                {
                    throw new UnsupportedFormatException(path, $"snapshot chain longer than {MaxChainLength} disks");
                }

                if (!File.Exists(parentPath))
                {
                    throw new InvalidImageException(layer.Path, $"parent disk \"{hint}\" does not exist");
                }

                var parent = VmdkFile.Open(parentPath, options);
                layers.Add(parent);
                if (parent.Descriptor.Cid != layer.Descriptor.ParentCid)
                {
                    throw new InvalidImageException(layer.Path, $"parentCID {layer.Descriptor.ParentCid:x8} does not match the CID {parent.Descriptor.Cid:x8} of parent {parentPath} (the parent was changed after the snapshot)");
                }

                if (parent.Capacity != layer.Capacity)
                {
                    throw new InvalidImageException(layer.Path, $"capacity {layer.Capacity} differs from its parent's ({parent.Capacity})");
                }

                layer = parent;
            }

            return new VmdkDisk([.. layers]);
        }
        catch
        {
            foreach (var opened in layers)
            {
                opened.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// ESXi records parents by absolute datastore path (/vmfs/volumes/...). Such a hint, or one that
    /// leaves the folder, is taken as the same file name beside the child when that file exists —
    /// the usual state of an exported or copied VM — and refused otherwise.
    /// </summary>
    private static string ResolveParent(string child, string hint, SourceOptions options)
    {
        try
        {
            return SafePath.Resolve(child, hint, options.AllowExternalFiles);
        }
        catch (UnsafePathException)
        {
            string beside = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(child))!, System.IO.Path.GetFileName(hint.Replace('\\', '/')));
            if (File.Exists(beside))
            {
                return SafePath.Resolve(child, System.IO.Path.GetFileName(beside), allowExternal: false);
            }

            throw;
        }
    }

    public IEnumerable<DiskExtent> EnumerateExtents() =>
        _layers.Length == 1 ? _layers[0].EnumerateExtents() : ChainExtents.UnionOfData(_layers.Select(l => l.EnumerateExtents()), Capacity);

    public void Read(long offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Capacity - destination.Length);
        _layers[0].Read(offset, destination, _layers.Length == 1 ? ZeroBacking.Instance : _top);
    }

    public SourceDescription Describe()
    {
        var top = _layers[0].Descriptor;
        var properties = new List<KeyValuePair<string, string>>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                properties.Add(new(key, value));
            }
        }

        Add("adapter type", top.Get("ddb.adapterType"));
        Add("hardware version", top.Get("ddb.virtualHWVersion"));
        Add("CID", top.Cid.ToString("x8", CultureInfo.InvariantCulture));
        if (top.ParentCid != VmdkDescriptor.NoParent)
        {
            Add("parent CID", top.ParentCid.ToString("x8", CultureInfo.InvariantCulture));
        }

        Add("geometry", top.Get("ddb.geometry.cylinders") is { } c ? $"{c}/{top.Get("ddb.geometry.heads")}/{top.Get("ddb.geometry.sectors")}" : null);
        Add("thin provisioned", top.Get("ddb.thinProvisioned") == "1" ? "yes" : null);
        Add("extents", string.Join(", ", top.Extents.Select(e => $"{e.Type} {e.Sectors * 512}" + (e.FileName is null ? "" : $" \"{e.FileName}\""))));
        if (_layers[0].Extents.OfType<HostedSparseExtent>().FirstOrDefault() is { } sparse)
        {
            Add("sparse header", $"version {sparse.Header.Version}, grain {sparse.Header.GrainSize * 512}, {(sparse.Header.IsCompressed ? "compressed" : "uncompressed")}");
        }

        return new SourceDescription("vmdk", top.CreateType.Length == 0 ? null : top.CreateType, _layers.Select(l => l.Path).ToList(), properties);
    }

    public void Dispose()
    {
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }
    }

    private sealed class LayerBacking(VmdkFile layer, ILayerBacking below) : ILayerBacking
    {
        public void Read(long offset, Span<byte> destination) => layer.Read(offset, destination, below);
    }
}
