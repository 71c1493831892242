using V2V.Core.Errors;
using V2V.DiskFormats.Common;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// The files of a VMDK chain on one datastore, read over the host's file route: paths are
/// "[datastore] folder/file.vmdk"; a name a descriptor records must be a relative name below the
/// naming file's folder (absolute names, "..", "." and empty parts are refused, as
/// <see cref="SafePath"/> refuses them for local files). Existence is not asked separately: a
/// missing file is reported by the open (HTTP 404).
/// </summary>
internal sealed class DatastoreImageFiles(VimClient client, string datacenterPath, CancellationToken cancellationToken) : IImageFileSystem
{
    public ImageFile Open(string path)
    {
        var file = DatastoreFile.Open(client, datacenterPath, Parse(path), cancellationToken);
        return ImageFile.Over(file.Name, file.Length, file);
    }

    public string Resolve(string referencingFile, string name)
    {
        string normalized = name.Replace('\\', '/');
        bool absolute = normalized.StartsWith('/') || (normalized.Length > 1 && normalized[1] == ':') || normalized.StartsWith('[');
        if (absolute || normalized.Split('/').Any(p => p is ".." or "." or ""))
        {
            throw new UnsafePathException(referencingFile, name, "a VMDK on a datastore may name only files in its own folder");
        }

        var referencing = Parse(referencingFile);
        int slash = referencing.Path.LastIndexOf('/');
        return (referencing with { Path = referencing.Path[..(slash + 1)] + normalized }).ToString();
    }

    public bool Exists(string path) => true;

    /// <summary>The same file name beside the child (an ESXi parent hint is an absolute /vmfs/volumes/... path).</summary>
    public string? FindBeside(string referencingFile, string fileName) => Resolve(referencingFile, fileName);

    public string Identity(string path) => path;

    private static DatastorePath Parse(string path) =>
        DatastorePath.Parse(path) ?? throw new ArgumentException($"\"{path}\" is not a datastore path ([datastore] folder/file)", nameof(path));
}
