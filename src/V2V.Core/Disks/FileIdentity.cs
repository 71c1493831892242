using System.Runtime.InteropServices;

namespace V2V.Core.Disks;

/// <summary>
/// What makes two names one file: the device and inode of the file a path leads to, every
/// symbolic link on the way (folders included) followed, as stat(2) sees it on Linux; on Windows
/// the volume serial number and file id (FileIdentity.Windows.cs). Hard links and linked folders
/// share it; spellings (and, on Windows, letter case, 8.3 short names, \\?\ prefixes) do not matter.
/// </summary>
public readonly partial record struct FileIdentity(ulong Device, ulong Inode, ulong InodeHigh = 0)
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const uint StatxIno = 0x100;
    private const int TypeMask = 0xF000; // S_IFMT
    private const int Fifo = 0x1000;
    private const int CharacterDevice = 0x2000;
    private const int Socket = 0xC000;

    /// <summary>The identity of the file at <paramref name="path"/>, or null when nothing is there (or the OS cannot tell: neither Linux nor Windows).</summary>
    public static FileIdentity? Of(string path)
    {
        if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        if (OperatingSystem.IsWindows())
        {
            return OfWindowsFile(path);
        }

        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // statx: its buffer has the same layout on every architecture, unlike struct stat.
        return Statx(AtFdCwd, path, 0, StatxIno, out var buffer) == 0
            ? new FileIdentity(((ulong)buffer.DevMajor << 32) | buffer.DevMinor, buffer.Ino)
            : null;
    }

    /// <summary>
    /// True when <paramref name="path"/> is a pipe (FIFO, process substitution), socket or
    /// character device: a stream that cannot seek, which must not be opened as a file (opening a
    /// FIFO blocks until a writer comes).
    /// </summary>
    public static bool IsStream(string path)
    {
        if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            return IsWindowsStream(path);
        }

        if (!OperatingSystem.IsLinux() || Statx(AtFdCwd, path, 0, StatxType, out var buffer) != 0)
        {
            return false;
        }

        int type = buffer.Mode & TypeMask;
        return type is Fifo or CharacterDevice or Socket;
    }

    public override string ToString() => OperatingSystem.IsWindows()
        ? $"volume {Device:X8}, file id {InodeHigh:X16}{Inode:X16}"
        : $"device {Device >> 32}:{Device & 0xFFFFFFFF}, inode {Inode}";

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, out StatxBuffer buffer);

    /// <summary>struct statx (linux/stat.h), 256 bytes; only the fields read here are named.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Ino;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }
}
