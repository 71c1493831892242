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
public sealed class VhdDisk : ChainDisk<VhdFile>
{
    private VhdDisk(VhdFile[] chain)
        : base(chain)
    {
    }

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

    /// <summary>Opens a VHD and its parents; the errors are <see cref="SnapshotChain.Open{TFile}"/>'s.</summary>
    public static VhdDisk Open(string path, SourceOptions options) => new(SnapshotChain.Open(path, DifferencingChain.Instance, options));

    public override SourceDescription Describe()
    {
        var top = Top;
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
        return new SourceDescription("vhd", subformat, Chain.Select(f => f.File.Path).ToList(), properties);
    }

    /// <summary>
    /// A differencing VHD names its parent by locators (relative W2ru, absolute W2ku) and the
    /// header's parent name, tried in that order, and proves it by the parent's unique id.
    /// </summary>
    private sealed class DifferencingChain : ChainFormat<VhdFile>
    {
        public static DifferencingChain Instance { get; } = new();

        public override string ChainName => "differencing chain";
        public override string CapacityName => "virtual size";

        public override VhdFile Open(string path, IImageFileSystem files)
        {
            var file = files.Open(path);
            try
            {
                return VhdFile.Open(file);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        public override bool HasParent(VhdFile file) => file.IsDifferencing;

        public override IReadOnlyList<string> ParentNames(VhdFile child) =>
            [.. child.ParentLocations().Append(child.Header!.ParentName).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal)];

        public override string NoParentNamed(VhdFile child) => "differencing disk names no parent (no parent locator, no parent name)";

        public override bool IdentityMatches(VhdFile child, VhdFile parent) => parent.Footer.UniqueId == child.Header!.ParentUniqueId;

        public override string IdentityMismatch(VhdFile child, VhdFile parent, string parentPath) =>
            $"parent {parentPath} has unique id {parent.Footer.UniqueId}, but the disk was made from {child.Header!.ParentUniqueId} (the parent changed)";

        public override V2VException ParentMissing(VhdFile child, IReadOnlyList<string> names, IReadOnlyList<ParentAttempt> tried) =>
            new InvalidImageException(child.File.Path, $"parent disk does not exist; tried {string.Join(", ", tried)}");
    }
}
