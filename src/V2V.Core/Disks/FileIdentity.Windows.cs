using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace V2V.Core.Disks;

/// <summary>
/// FileIdentity on Windows: the file a path leads to is opened with no access rights (so a file
/// another program holds open, or a folder, can still be asked), reparse points (symbolic links,
/// junctions) followed as stat(2) follows links, and its volume serial number and file id read
/// (FILE_ID_INFO, 128-bit ids as ReFS has; else BY_HANDLE_FILE_INFORMATION's 64-bit file index).
/// </summary>
public readonly partial record struct FileIdentity
{
    private const uint ShareAll = 0x1 | 0x2 | 0x4; // FILE_SHARE_READ | WRITE | DELETE
    private const uint OpenExisting = 3;
    private const uint BackupSemantics = 0x02000000; // FILE_FLAG_BACKUP_SEMANTICS: folders open too
    private const int FileIdInfo = 0x12; // FILE_INFO_BY_HANDLE_CLASS
    private const uint FileTypeChar = 0x2;
    private const uint FileTypePipe = 0x3;
    private const int MaxPath = 260;

    [SupportedOSPlatform("windows")]
    private static unsafe FileIdentity? OfWindowsFile(string path)
    {
        if (IsPipeName(path))
        {
            return null; // opening a named pipe would take one of its server's instances
        }

        using var handle = OpenForQuery(path);
        if (handle is null)
        {
            return null;
        }

        // FILE_ID_INFO: VolumeSerialNumber (8), FileId (16).
        byte* id = stackalloc byte[24];
        if (GetFileInformationByHandleEx(handle, FileIdInfo, id, 24))
        {
            return new FileIdentity(*(ulong*)id, *(ulong*)(id + 8), *(ulong*)(id + 16));
        }

        // BY_HANDLE_FILE_INFORMATION (52 bytes): dwVolumeSerialNumber at 28, nFileIndexHigh at 44, nFileIndexLow at 48.
        byte* info = stackalloc byte[52];
        return GetFileInformationByHandle(handle, info)
            ? new FileIdentity(*(uint*)(info + 28), ((ulong)*(uint*)(info + 44) << 32) | *(uint*)(info + 48))
            : null;
    }

    /// <summary>A named pipe (\\.\pipe\NAME) or what opens as a pipe or character device (NUL, CON, COM1).</summary>
    [SupportedOSPlatform("windows")]
    private static bool IsWindowsStream(string path)
    {
        if (IsPipeName(path))
        {
            return true;
        }

        using var handle = OpenForQuery(path);
        return handle is not null && GetFileType(handle) is FileTypeChar or FileTypePipe;
    }

    /// <summary>
    /// A Windows device opened by name in the \\.\ namespace — a drive (\\.\PhysicalDrive0) or a
    /// volume (\\.\C:) — not a file below it (\\.\C:\disk.raw) nor a named pipe. Always false off Windows.
    /// </summary>
    public static bool IsWindowsDevice(string path) =>
        OperatingSystem.IsWindows() && path.Length > 4 && path.StartsWith(@"\\.\", StringComparison.Ordinal)
        && path.IndexOfAny(['\\', '/'], 4) < 0 && !IsPipeName(path);

    /// <summary>The local named-pipe namespace, in any spelling the Win32 layer accepts (\\.\pipe\, \\?\pipe\, forward slashes, any case).</summary>
    private static bool IsPipeName(string path)
    {
        string name = path.Replace('/', '\\');
        return name.StartsWith(@"\\.\pipe\", StringComparison.OrdinalIgnoreCase) || name.StartsWith(@"\\?\pipe\", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The path opened for no access at all, or null when it cannot be (absent, no permission to traverse).</summary>
    [SupportedOSPlatform("windows")]
    private static SafeFileHandle? OpenForQuery(string path)
    {
        var handle = CreateFile(Win32Name(path), 0, ShareAll, 0, OpenExisting, BackupSemantics, 0);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            return null;
        }

        return handle;
    }

    /// <summary>
    /// The name CreateFileW takes: device names (\\.\, \\?\) as they are; other paths made full,
    /// and past MAX_PATH given the \\?\ prefix (\\?\UNC\ for shares), as .NET does for its own calls.
    /// </summary>
    private static string Win32Name(string path)
    {
        if (path.StartsWith(@"\\.\", StringComparison.Ordinal) || path.StartsWith(@"\\?\", StringComparison.Ordinal))
        {
            return path;
        }

        string full = Path.GetFullPath(path);
        if (full.Length < MaxPath || full.StartsWith(@"\\.\", StringComparison.Ordinal) || full.StartsWith(@"\\?\", StringComparison.Ordinal))
        {
            return full;
        }

        return full.StartsWith(@"\\", StringComparison.Ordinal) ? @"\\?\UNC\" + full[2..] : @"\\?\" + full;
    }

    [LibraryImport("kernel32.dll", EntryPoint = "CreateFileW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    private static partial SafeFileHandle CreateFile(string name, uint access, uint share, nint security, uint disposition, uint flags, nint template);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static unsafe partial bool GetFileInformationByHandleEx(SafeFileHandle file, int infoClass, void* buffer, uint size);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static unsafe partial bool GetFileInformationByHandle(SafeFileHandle file, void* information);

    [LibraryImport("kernel32.dll")]
    private static partial uint GetFileType(SafeFileHandle file);
}
