using V2V.Core.Errors;

namespace V2V.DiskFormats.Common;

/// <summary>
/// Resolves file names read from untrusted files (VMDK extents and parents, VHD parent locators,
/// OVF references) against the folder of the file that names them. Absolute names, names that
/// climb out of that folder and symbolic links that lead out of it are refused unless the user
/// allowed external files: an image must not make V2V read a host file (OSSA-2024-001).
/// </summary>
public static class SafePath
{
    public static string Resolve(string referencingFile, string name, bool allowExternal)
    {
        if (name.Length == 0 || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidImageException(referencingFile, "names an empty or binary file name");
        }

        // Descriptors written on Windows use backslashes; a drive letter or UNC name is absolute.
        string normalized = name.Replace('\\', '/');
        bool absolute = Path.IsPathRooted(normalized) || (normalized.Length >= 2 && normalized[1] == ':');
        string folder = Path.GetDirectoryName(Path.GetFullPath(referencingFile))!;
        if (absolute && !allowExternal)
        {
            throw new UnsafePathException(referencingFile, name, "absolute paths are refused (use --allow-external-extents to permit)");
        }

        string full = Path.GetFullPath(absolute ? normalized : Path.Combine(folder, normalized));
        if (allowExternal)
        {
            return full;
        }

        if (!IsInside(folder, full))
        {
            throw new UnsafePathException(referencingFile, name, "it leads outside the folder of the file naming it (use --allow-external-extents to permit)");
        }

        string? target = LinkTarget(full);
        if (target is not null && !IsInside(folder, target))
        {
            throw new UnsafePathException(referencingFile, name, $"it is a symbolic link to {target}, outside the folder (use --allow-external-extents to permit)");
        }

        return full;
    }

    /// <summary>True when <paramref name="path"/> is strictly inside <paramref name="folder"/>.</summary>
    public static bool IsInside(string folder, string path)
    {
        string prefix = Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
