using V2V.Core.Errors;
using V2V.Core.Formats;

namespace V2V.DiskFormats.Common;

/// <summary>Opens snapshot chains: the one walk every chain format shares.</summary>
public static class SnapshotChain
{
    /// <summary>The most files a chain may have (ESXi supports 32 snapshots; qemu sets no limit).</summary>
    public const int MaxLength = 64;

    /// <summary>
    /// Opens <paramref name="path"/> and its parents: the opened file first, the base last; the
    /// caller owns the files. Errors, in the order they are checked for each parent: longer than
    /// <see cref="MaxLength"/> files (<see cref="UnsupportedFormatException"/> on
    /// <paramref name="path"/>); no parent name, or a parent found under none
    /// (<see cref="ChainFormat{TFile}.ParentMissing"/>); a loop; an identity mismatch; a capacity
    /// different from the child's (all <see cref="InvalidImageException"/> on the child). Every file
    /// opened is disposed on failure.
    /// </summary>
    public static TFile[] Open<TFile>(string path, ChainFormat<TFile> format, SourceOptions options)
        where TFile : IChainFile => Open(path, format, new LocalImageFiles(options));

    /// <summary>
    /// As <see cref="Open{TFile}(string, ChainFormat{TFile}, SourceOptions)"/>, with the files taken
    /// from <paramref name="files"/> (local files, or a datastore).
    /// </summary>
    public static TFile[] Open<TFile>(string path, ChainFormat<TFile> format, IImageFileSystem files)
        where TFile : IChainFile
    {
        var layers = new List<TFile>();
        try
        {
            var seen = new HashSet<string>(StringComparer.Ordinal) { files.Identity(path) };
            var child = format.Open(path, files);
            layers.Add(child);
            while (format.HasParent(child))
            {
                if (layers.Count >= MaxLength)
                {
                    throw new UnsupportedFormatException(path, $"{format.ChainName} longer than {MaxLength} disks");
                }

                string parentPath = FindParent(child, format, files);
                if (!seen.Add(files.Identity(parentPath)))
                {
                    throw new InvalidImageException(child.Path, $"{format.ChainName} loops back to {parentPath}");
                }

                var parent = format.Open(parentPath, files);
                layers.Add(parent);
                if (!format.IdentityMatches(child, parent))
                {
                    throw new InvalidImageException(child.Path, format.IdentityMismatch(child, parent, parentPath));
                }

                if (parent.Capacity != child.Capacity)
                {
                    throw new InvalidImageException(child.Path, $"{format.CapacityName} {child.Capacity} differs from its parent's ({parent.Capacity})");
                }

                child = parent;
            }

            return [.. layers];
        }
        catch
        {
            foreach (var layer in layers)
            {
                layer.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// The parent: each recorded name resolved beside the child through <see cref="SafePath"/>;
    /// then, for names from another host or folder (<c>C:\VMs\base.vhd</c>,
    /// <c>/vmfs/volumes/ds/vm/base.vmdk</c>), the same file name in the child's folder — the usual
    /// state of a copied or exported VM.
    /// </summary>
    private static string FindParent<TFile>(TFile child, ChainFormat<TFile> format, IImageFileSystem files)
        where TFile : IChainFile
    {
        var names = format.ParentNames(child);
        if (names.Count == 0)
        {
            throw new InvalidImageException(child.Path, format.NoParentNamed(child));
        }

        var tried = new List<ParentAttempt>();
        foreach (string name in names)
        {
            try
            {
                string resolved = files.Resolve(child.Path, name);
                if (files.Exists(resolved))
                {
                    return resolved;
                }

                tried.Add(new ParentAttempt(name, Beside: false, Refusal: null));
            }
            catch (UnsafePathException e)
            {
                tried.Add(new ParentAttempt(name, Beside: false, Refusal: e));
            }
        }

        var fallbacks = format.BesideOnlyWhenRefused ? tried.Where(t => t.Refusal is not null).Select(t => t.Name) : names;
        foreach (string beside in fallbacks.Select(n => System.IO.Path.GetFileName(n.Replace('\\', '/'))).Where(b => b.Length > 0).Distinct(StringComparer.Ordinal).ToList())
        {
            if (files.FindBeside(child.Path, beside) is { } found)
            {
                return found;
            }

            tried.Add(new ParentAttempt(beside, Beside: true, Refusal: null));
        }

        throw format.ParentMissing(child, names, tried);
    }
}
