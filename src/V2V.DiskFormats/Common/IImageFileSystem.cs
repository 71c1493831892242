using V2V.Core.Errors;
using V2V.Core.Formats;

namespace V2V.DiskFormats.Common;

/// <summary>
/// Where the files of a multi-file image come from: a local folder (<see cref="LocalImageFiles"/>)
/// or, for example, a vSphere datastore. Paths are this file system's own strings; names read from
/// an image (extent files, parent hints) are resolved beside the file that names them and refused
/// when they escape its folder.
/// </summary>
public interface IImageFileSystem
{
    /// <summary>Opens a file to read; the caller owns the returned file.</summary>
    ImageFile Open(string path);

    /// <summary>
    /// <paramref name="name"/> resolved beside <paramref name="referencingFile"/>.
    /// </summary>
    /// <exception cref="UnsafePathException">The name is absolute or leaves the referencing file's folder (and that is not allowed).</exception>
    string Resolve(string referencingFile, string name);

    /// <summary>True when <paramref name="path"/> names a file that can be opened (a file system that cannot tell cheaply says true; <see cref="Open"/> then reports the missing file).</summary>
    bool Exists(string path);

    /// <summary>The file called <paramref name="fileName"/> (a bare file name) in <paramref name="referencingFile"/>'s folder, or null when there is none.</summary>
    /// <exception cref="UnsafePathException">That file leads out of the folder.</exception>
    string? FindBeside(string referencingFile, string fileName);

    /// <summary>A key equal for two paths of the same file (loop detection).</summary>
    string Identity(string path);
}

/// <summary>
/// Local files: names resolved through <see cref="SafePath"/> (external files only when the
/// options allow them), existence by <see cref="File.Exists(string)"/>, files opened with a real
/// handle so sparse-aware readers can look for holes.
/// </summary>
public sealed class LocalImageFiles(SourceOptions options) : IImageFileSystem
{
    public ImageFile Open(string path) => ImageFile.OpenRead(path);

    public string Resolve(string referencingFile, string name) => SafePath.Resolve(referencingFile, name, options.AllowExternalFiles);

    public bool Exists(string path) => File.Exists(path);

    public string? FindBeside(string referencingFile, string fileName)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(referencingFile))!;
        return File.Exists(Path.Combine(folder, fileName)) ? SafePath.Resolve(referencingFile, fileName, allowExternal: false) : null;
    }

    public string Identity(string path) => Path.GetFullPath(path);
}
