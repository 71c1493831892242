using System.Runtime.InteropServices;
using V2V.Core.Errors;

namespace V2V.DiskFormats.Common;

/// <summary>
/// Resolves file names read from untrusted files (VMDK extents and parents, VHD parent locators,
/// OVF references) against the folder of the file that names them. Absolute names, names that
/// climb out of that folder and symbolic links that lead out of it are refused unless the user
/// allowed external files: an image must not make V2V read a host file (OSSA-2024-001). Links are
/// judged by where they really lead: a linked folder on the way ("sub -> /", then "sub/etc/shadow")
/// is caught as well as a linked file.
/// </summary>
public static partial class SafePath
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

        string target = RealPath(full);
        if (!IsInside(RealPath(folder), target))
        {
            throw new UnsafePathException(referencingFile, name, $"it leads through a symbolic link to {target}, outside the folder (use --allow-external-extents to permit)");
        }

        return full;
    }

    /// <summary>True when <paramref name="path"/> is strictly inside <paramref name="folder"/>.</summary>
    public static bool IsInside(string folder, string path)
    {
        string prefix = Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }

    /// <summary>
    /// Where <paramref name="path"/> really is, every link on the way followed (realpath). A name
    /// that does not exist yet resolves through its deepest existing folder.
    /// </summary>
    private static unsafe string RealPath(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return ResolveLinks(path);
        }

        string missing = "";
        for (string? at = path; at is not null; at = Path.GetDirectoryName(at))
        {
            nint resolved = Realpath(at, 0);
            if (resolved != 0)
            {
                try
                {
                    return Path.Join(Marshal.PtrToStringUTF8(resolved), missing);
                }
                finally
                {
                    NativeMemory.Free((void*)resolved);
                }
            }

            missing = Path.Join(Path.GetFileName(at), missing);
        }

        return path;
    }

    /// <summary>
    /// realpath for Windows (no libc there): each existing component that is a symbolic link or
    /// junction is replaced by its target, at most 40 times per component (a loop stops there).
    /// </summary>
    private static string ResolveLinks(string path)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full) ?? "";
        string current = root;
        foreach (string part in full[root.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Join(current, part);
            for (int hops = 0; hops < 40; hops++)
            {
                FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
                if (!info.Exists || info.LinkTarget is not { } target)
                {
                    break;
                }

                current = Path.GetFullPath(target, Path.GetDirectoryName(current) ?? root);
            }
        }

        return current;
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint Realpath(string path, nint resolved);
}
