using System.Runtime.InteropServices;
using V2V.Core.Errors;

namespace V2V.Guest.Registry;

/// <summary>
/// A read-only registry hive (regf), from the bytes of its primary file and, when the hive is
/// dirty, its transaction logs, replayed in memory (see <see cref="HiveRecovery"/>). Nothing is
/// written. Bad input throws <see cref="InvalidImageException"/> naming the file and the offset
/// ("hbin at 0x3000 has size 0"); problems that do not stop reading go to <see cref="Findings"/>.
/// Follows M. Suhanov's "Windows registry file format specification". Not thread-safe.
/// </summary>
public sealed class RegistryHive
{
    /// <summary>Largest hive read (Windows' own limits are far lower: 2 GiB theoretical, ~200 MB for SYSTEM).</summary>
    public const long MaxHiveBytes = 1L << 30;

    private readonly List<string> _findings;
    private readonly Dictionary<uint, uint> _listedBy = [];

    private RegistryHive(string file, ReadOnlyMemory<byte> image, RegfBaseBlock original, List<string> findings)
    {
        File = file;
        Image = image;
        _findings = findings;
        WasDirty = original.IsDirty;
        BaseBlock = RegfBaseBlock.TryRead(image.Span)!;
        if (BaseBlock.MajorVersion != 1)
        {
            throw new UnsupportedFormatException(file, $"regf major version {BaseBlock.MajorVersion} (only 1 exists)");
        }

        Bins = new HiveBins(file, image, BaseBlock.HiveBinsDataSize);
        Root = new RegistryKey(this, KeyNode.Read(Bins, BaseBlock.RootCellOffset, "root key"), null);
        _listedBy[Root.CellOffset] = HiveBins.None;
    }

    /// <summary>The name used in messages (the primary file's name or path).</summary>
    public string File { get; }

    /// <summary>The base block as read (after a replay: the clean one the replay produced).</summary>
    public RegfBaseBlock BaseBlock { get; }

    /// <summary>True when the primary file was dirty (see <see cref="RegfBaseBlock.IsDirty"/>), whether or not a log could be replayed.</summary>
    public bool WasDirty { get; }

    /// <summary>The root key of the hive.</summary>
    public RegistryKey Root { get; }

    /// <summary>What was noticed while reading: the replay done, logs not used and why, inconsistent counts.</summary>
    public IReadOnlyList<string> Findings => _findings;

    /// <summary>The hive bytes read: the primary file itself, or its replayed copy.</summary>
    internal ReadOnlyMemory<byte> Image { get; }

    internal HiveBins Bins { get; }

    /// <summary>Opens a hive from its bytes; <paramref name="logs"/> are its transaction logs (any order, any of the formats).</summary>
    public static RegistryHive Open(ReadOnlyMemory<byte> primary, params ReadOnlyMemory<byte>[] logs) =>
        Open("hive", primary, logs.Select((bytes, i) => new HiveLogFile($"log {i + 1}", bytes)).ToList());

    /// <summary>Opens a hive named <paramref name="file"/> (for messages) from its bytes and its logs.</summary>
    public static RegistryHive Open(string file, ReadOnlyMemory<byte> primary, IReadOnlyList<HiveLogFile> logs)
    {
        if (primary.Length < RegfBaseBlock.Size)
        {
            throw new InvalidImageException(file, $"is {primary.Length} bytes, shorter than a registry hive's 4096-byte base block");
        }

        var original = RegfBaseBlock.TryRead(primary.Span)
            ?? throw new InvalidImageException(file, "is not a registry hive (no 'regf' signature)");
        if (original.FileType != RegfBaseBlock.PrimaryFileType)
        {
            throw new InvalidImageException(file, $"is a transaction log (file type {original.FileType}), not a primary hive file");
        }

        var findings = new List<string>();
        var image = HiveRecovery.Recover(file, primary, logs, findings);
        return new RegistryHive(file, image, original, findings);
    }

    /// <summary>Opens a hive from a stream (read whole, at most <see cref="MaxHiveBytes"/>) and its logs.</summary>
    public static RegistryHive Open(string file, Stream primary, IReadOnlyList<HiveLogFile>? logs = null) =>
        Open(file, ReadBounded(file, primary), logs ?? []);

    /// <summary>
    /// Opens the hive file at <paramref name="path"/> with the transaction logs beside it
    /// (<c>NAME.LOG</c>, <c>NAME.LOG1</c>, <c>NAME.LOG2</c>, any letter case).
    /// </summary>
    public static RegistryHive OpenFile(string path)
    {
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        string name = System.IO.Path.GetFileName(path);
        var logs = new List<HiveLogFile>();
        foreach (string suffix in (string[])[".LOG", ".LOG1", ".LOG2"])
        {
            string? log = Directory.EnumerateFiles(folder)
                .FirstOrDefault(f => string.Equals(System.IO.Path.GetFileName(f), name + suffix, StringComparison.OrdinalIgnoreCase));
            if (log is not null)
            {
                using var stream = System.IO.File.OpenRead(log);
                logs.Add(new HiveLogFile(System.IO.Path.GetFileName(log), ReadBounded(log, stream)));
            }
        }

        using var primary = System.IO.File.OpenRead(path);
        return Open(path, ReadBounded(path, primary), logs);
    }

    /// <summary>
    /// The key at <paramref name="path"/> ('\'-separated names below the root, case-insensitive; ""
    /// or "\" = the root), or null. A first component <c>CurrentControlSet</c> that is not a real
    /// key resolves through <c>Select\Current</c> as Windows does (see <see cref="CurrentControlSet"/>).
    /// </summary>
    public RegistryKey? OpenKey(string path)
    {
        var key = Root;
        bool first = true;
        foreach (string name in path.Split('\\', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = key.Subkey(name);
            if (next is null && first && RegistryNames.EqualsIgnoreCase(name, "CurrentControlSet"))
            {
                next = CurrentControlSet;
            }

            if (next is null)
            {
                return null;
            }

            key = next;
            first = false;
        }

        return key;
    }

    /// <summary>
    /// In a SYSTEM hive, the control set Windows boots with: <c>ControlSetNNN</c> where NNN is the
    /// DWORD <c>Select\Current</c>; null when the hive has no such value or key.
    /// </summary>
    public RegistryKey? CurrentControlSet
    {
        get
        {
            var current = Root.Subkey("Select")?.Value("Current");
            if (current is null || current.Data.Length != 4)
            {
                return null;
            }

            uint number = current.AsDword();
            return number is > 0 and <= 999 ? Root.Subkey($"ControlSet{number:D3}") : null;
        }
    }

    internal void AddFinding(string finding) => _findings.Add($"{File}: {finding}");

    /// <summary>Records that <paramref name="parent"/> lists <paramref name="child"/>; a key listed by two keys (a loop or a shared subtree) is damage.</summary>
    internal void ClaimChild(uint child, uint parent)
    {
        if (_listedBy.TryGetValue(child, out uint owner) && owner != parent)
        {
            throw HiveBins.Damaged(File, owner == HiveBins.None
                ? $"the subkey list of the key at 0x{parent:X} points back to the root key"
                : $"the key at 0x{child:X} is listed by two keys (0x{owner:X} and 0x{parent:X}): a loop or a shared subtree");
        }

        _listedBy[child] = parent;
    }

    /// <summary>
    /// A stream's remaining bytes, refused above <see cref="MaxHiveBytes"/> (before reading when the
    /// stream can seek). A seekable stream is read into one array of its exact length: a SYSTEM hive
    /// is 10-100 MiB, and growing a buffer to it would allocate about three times that.
    /// </summary>
    internal static byte[] ReadBounded(string file, Stream stream)
    {
        var content = ReadBounded(file, stream, 0);
        return MemoryMarshal.TryGetArray(content, out var whole) && whole.Offset == 0 && whole.Count == whole.Array!.Length ? whole.Array : content.ToArray();
    }

    /// <summary>
    /// <see cref="ReadBounded(string, Stream)"/> into an array with <paramref name="spare"/> more
    /// bytes after the content (room for a <see cref="HiveWriter"/> to append bins without moving
    /// the hive); the memory returned is the content.
    /// </summary>
    internal static ReadOnlyMemory<byte> ReadBounded(string file, Stream stream, int spare)
    {
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (remaining > MaxHiveBytes)
            {
                throw new InvalidImageException(file, $"is {stream.Length} bytes, larger than the {MaxHiveBytes >> 20} MiB registry hives V2V reads");
            }

            var bytes = new byte[Math.Max(0, remaining) + spare];
            int got = stream.ReadAtLeast(bytes.AsSpan(0, (int)Math.Max(0, remaining)), (int)Math.Max(0, remaining), throwOnEndOfStream: false);
            return bytes.AsMemory(0, got);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > MaxHiveBytes)
            {
                throw new InvalidImageException(file, $"is larger than the {MaxHiveBytes >> 20} MiB registry hives V2V reads");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
