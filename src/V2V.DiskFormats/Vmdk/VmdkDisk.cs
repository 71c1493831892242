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
public sealed class VmdkDisk : ChainDisk<VmdkFile>
{
    private VmdkDisk(VmdkFile[] chain)
        : base(chain)
    {
    }

    /// <summary>A self-contained sparse VMDK (a package member viewed in place); see <see cref="VmdkFile.OpenAlone"/>.</summary>
    public static VmdkDisk OpenAlone(ImageFile file) => new([VmdkFile.OpenAlone(file)]);

    /// <summary>Opens a VMDK and its snapshot parents; the errors are <see cref="SnapshotChain.Open{TFile}"/>'s.</summary>
    public static VmdkDisk Open(string path, SourceOptions options) => Open(path, new LocalImageFiles(options));

    /// <summary>Opens a VMDK and its snapshot parents from <paramref name="files"/> (local files, a datastore); errors as above.</summary>
    public static VmdkDisk Open(string path, IImageFileSystem files) => new(SnapshotChain.Open(path, SnapshotParents.Instance, files));

    public override SourceDescription Describe()
    {
        var top = Top.Descriptor;
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
        if (Top.Extents.OfType<HostedSparseExtent>().FirstOrDefault() is { } sparse)
        {
            Add("sparse header", $"version {sparse.Header.Version}, grain {sparse.Header.GrainSize * 512}, {(sparse.Header.IsCompressed ? "compressed" : "uncompressed")}");
        }

        return new SourceDescription("vmdk", top.CreateType.Length == 0 ? null : top.CreateType, Chain.Select(l => l.Path).ToList(), properties);
    }

    /// <summary>
    /// A delta names its parent by parentFileNameHint and proves it by the parent's CID. ESXi
    /// records absolute datastore paths (/vmfs/volumes/...): such a hint, or one that leaves the
    /// folder, is taken as the same file name beside the child when that file exists, and refused
    /// otherwise; a safe hint that is missing is not looked for elsewhere.
    /// </summary>
    private sealed class SnapshotParents : ChainFormat<VmdkFile>
    {
        public static SnapshotParents Instance { get; } = new();

        public override string ChainName => "snapshot chain";
        public override string CapacityName => "capacity";
        public override bool BesideOnlyWhenRefused => true;

        public override VmdkFile Open(string path, IImageFileSystem files) => VmdkFile.Open(path, files);

        public override bool HasParent(VmdkFile file) => file.Descriptor.ParentCid != VmdkDescriptor.NoParent;

        public override IReadOnlyList<string> ParentNames(VmdkFile child) =>
            child.Descriptor.ParentFileNameHint is { } hint ? [hint] : [];

        public override string NoParentNamed(VmdkFile child) =>
            $"delta disk (parentCID {child.Descriptor.ParentCid:x8}) names no parentFileNameHint";

        public override bool IdentityMatches(VmdkFile child, VmdkFile parent) => parent.Descriptor.Cid == child.Descriptor.ParentCid;

        public override string IdentityMismatch(VmdkFile child, VmdkFile parent, string parentPath) =>
            $"parentCID {child.Descriptor.ParentCid:x8} does not match the CID {parent.Descriptor.Cid:x8} of parent {parentPath} (the parent was changed after the snapshot)";

        public override V2VException ParentMissing(VmdkFile child, IReadOnlyList<string> names, IReadOnlyList<ParentAttempt> tried) =>
            tried.Select(t => t.Refusal).OfType<UnsafePathException>().FirstOrDefault()
            ?? (V2VException)new InvalidImageException(child.Path, $"parent disk \"{names[0]}\" does not exist");
    }
}
