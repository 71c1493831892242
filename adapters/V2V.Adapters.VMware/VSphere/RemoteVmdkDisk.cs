using System.Globalization;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.DiskFormats.Common;
using V2V.DiskFormats.Vmdk;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// A VMDK on a datastore with its snapshot parents, flattened as <see cref="VmdkDisk"/> flattens
/// local chains: parents found through parentFileNameHint in the child's folder, each carrying
/// the CID its child recorded; loops, CID and capacity mismatches are errors. Reads are ranged
/// GETs, safe to issue from every pipeline worker at once. It reads no local file.
/// </summary>
public sealed class RemoteVmdkDisk : IDiskSource
{
    private readonly RemoteVmdkFile[] _layers;
    private readonly ILayerBacking _below;

    private RemoteVmdkDisk(string name, RemoteVmdkFile[] layers)
    {
        Path = name;
        _layers = layers;
        ILayerBacking below = ZeroBacking.Instance;
        for (int i = layers.Length - 1; i >= 1; i--)
        {
            below = new LayerBacking(layers[i], below);
        }

        _below = layers.Length == 1 ? ZeroBacking.Instance : below;
    }

    /// <summary>"vsphere://host/[ds] folder/disk.vmdk".</summary>
    public string Path { get; }

    public IReadOnlyList<string> Files => [];
    public long Capacity => _layers[0].Capacity;
    public int LogicalSectorSize => 512;

    /// <summary>The datastore paths read, newest first.</summary>
    public IReadOnlyList<DatastorePath> Chain => [.. _layers.Select(l => l.Path)];

    public static RemoteVmdkDisk Open(VimClient client, string datacenterPath, DatastorePath path, CancellationToken cancellationToken = default)
    {
        DatastoreFile OpenFile(DatastorePath file) => DatastoreFile.Open(client, datacenterPath, file, cancellationToken);
        var layers = new List<RemoteVmdkFile>();
        try
        {
            var seen = new HashSet<DatastorePath> { path };
            var layer = RemoteVmdkFile.Open(OpenFile, path);
            layers.Add(layer);
            while (layer.Descriptor.ParentCid != VmdkDescriptor.NoParent)
            {
                string child = layer.Path.ToString();
                string hint = layer.Descriptor.ParentFileNameHint
                    ?? throw new InvalidImageException(child, $"delta disk (parentCID {layer.Descriptor.ParentCid:x8}) names no parentFileNameHint");
                var parentPath = RemoteVmdkFile.Beside(layer.Path, hint, "parent");
                if (!seen.Add(parentPath))
                {
                    throw new InvalidImageException(child, $"snapshot chain loops back to {parentPath}");
                }

                if (layers.Count >= SnapshotChain.MaxLength)
                {
                    throw new UnsupportedFormatException(path.ToString(), $"snapshot chain longer than {SnapshotChain.MaxLength} disks");
                }

                var parent = RemoteVmdkFile.Open(OpenFile, parentPath);
                layers.Add(parent);
                if (parent.Descriptor.Cid != layer.Descriptor.ParentCid)
                {
                    throw new InvalidImageException(child, $"parentCID {layer.Descriptor.ParentCid:x8} does not match the CID {parent.Descriptor.Cid:x8} of parent {parentPath} (the parent was changed after the snapshot)");
                }

                if (parent.Capacity != layer.Capacity)
                {
                    throw new InvalidImageException(child, $"capacity {layer.Capacity} differs from its parent's ({parent.Capacity})");
                }

                layer = parent;
            }

            return new RemoteVmdkDisk($"{client.Server}/{path}", [.. layers]);
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

    public IEnumerable<DiskRange> EnumerateRanges() =>
        _layers.Length == 1 ? _layers[0].EnumerateRanges() : ChainRanges.UnionOfData(_layers.Select(l => l.EnumerateRanges()), Capacity);

    public void Read(long offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Capacity - destination.Length);
        _layers[0].Read(offset, destination, _below);
    }

    public SourceDescription Describe()
    {
        var top = _layers[0].Descriptor;
        var properties = new List<KeyValuePair<string, string>>
        {
            new("CID", top.Cid.ToString("x8", CultureInfo.InvariantCulture)),
            new("extents", string.Join(", ", top.Extents.Select(e => $"{e.Type} {e.Sectors * 512}" + (e.FileName is null ? "" : $" \"{e.FileName}\"")))),
        };
        if (top.Get("ddb.adapterType") is { } adapter)
        {
            properties.Insert(0, new("adapter type", adapter));
        }

        return new SourceDescription("vmdk", top.CreateType.Length == 0 ? null : top.CreateType, [.. _layers.Select(l => l.Path.ToString())], properties);
    }

    public void Dispose()
    {
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }
    }

    private sealed class LayerBacking(RemoteVmdkFile layer, ILayerBacking below) : ILayerBacking
    {
        public void Read(long offset, Span<byte> destination) => layer.Read(offset, destination, below);
    }
}
