using System.Globalization;
using V2V.Core.Disks;
using V2V.DiskFormats.Vmdk;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// A VMDK on a datastore with its snapshot parents: the local <see cref="VmdkDisk"/> chain walk
/// and extent readers over <see cref="DatastoreImageFiles"/> (parents through parentFileNameHint
/// in the child's folder, each carrying the CID its child recorded; loops, CID and capacity
/// mismatches are errors). Reads are ranged GETs, safe to issue from every pipeline worker at
/// once. It reads no local file.
/// </summary>
public sealed class RemoteVmdkDisk : IDiskSource
{
    private readonly VmdkDisk _disk;

    private RemoteVmdkDisk(string name, VmdkDisk disk)
    {
        Path = name;
        _disk = disk;
    }

    /// <summary>"vsphere://host/[ds] folder/disk.vmdk".</summary>
    public string Path { get; }

    public IReadOnlyList<string> Files => [];
    public long Capacity => _disk.Capacity;
    public int LogicalSectorSize => 512;

    /// <summary>The datastore paths read, newest first.</summary>
    public IReadOnlyList<DatastorePath> Chain => [.. _disk.Chain.Select(l => DatastorePath.Parse(l.Path)!)];

    public static RemoteVmdkDisk Open(VimClient client, string datacenterPath, DatastorePath path, CancellationToken cancellationToken = default) =>
        new($"{client.Server}/{path}", VmdkDisk.Open(path.ToString(), new DatastoreImageFiles(client, datacenterPath, cancellationToken)));

    public IEnumerable<DiskRange> EnumerateRanges() => _disk.EnumerateRanges();

    public void Read(long offset, Span<byte> destination) => _disk.Read(offset, destination);

    public SourceDescription Describe()
    {
        var top = _disk.Chain[0].Descriptor;
        var properties = new List<KeyValuePair<string, string>>
        {
            new("CID", top.Cid.ToString("x8", CultureInfo.InvariantCulture)),
            new("extents", string.Join(", ", top.Extents.Select(e => $"{e.Type} {e.Sectors * 512}" + (e.FileName is null ? "" : $" \"{e.FileName}\"")))),
        };
        if (top.Get("ddb.adapterType") is { } adapter)
        {
            properties.Insert(0, new("adapter type", adapter));
        }

        return new SourceDescription("vmdk", top.CreateType.Length == 0 ? null : top.CreateType, [.. _disk.Chain.Select(l => l.Path)], properties);
    }

    public void Dispose() => _disk.Dispose();
}
