using System.Globalization;
using V2V.Core.Errors;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// The text descriptor of a VMDK (embedded in a sparse extent or a file of its own): header keys,
/// extent lines and the disk database (<c>ddb.*</c>). Unknown keys are kept, never refused, since
/// every ESXi release adds some.
/// </summary>
public sealed class VmdkDescriptor
{
    /// <summary>Descriptors larger than this are not descriptors (VMware writes a few hundred bytes).</summary>
    public const int MaxLength = 1024 * 1024;

    /// <summary>Largest disk a descriptor may describe: 64 TiB, as for the other formats.</summary>
    public const long MaxSectors = 1L << 37;

    /// <summary>The parentCID of a disk without a parent.</summary>
    public const uint NoParent = 0xFFFFFFFF;

    private VmdkDescriptor(Dictionary<string, string> values, IReadOnlyList<VmdkExtentLine> extents)
    {
        Values = values;
        Extents = extents;
    }

    /// <summary>Every <c>key = "value"</c> line, keys compared case-insensitively, quotes removed.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    public IReadOnlyList<VmdkExtentLine> Extents { get; }

    public string CreateType => Get("createType") ?? "";
    public uint Cid => ParseCid("CID") ?? 0;
    public uint ParentCid => ParseCid("parentCID") ?? NoParent;
    public string? ParentFileNameHint => Get("parentFileNameHint");
    public bool HasParent => ParentCid != NoParent || ParentFileNameHint is not null;
    public long Sectors => Extents.Sum(e => e.Sectors);

    public string? Get(string key) => Values.TryGetValue(key, out var value) ? value : null;

    /// <summary>True when the bytes look like a descriptor: text that names a createType.</summary>
    public static bool Looks(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("# Disk DescriptorFile"u8))
        {
            return true;
        }

        var probe = head[..Math.Min(head.Length, 4096)];
        return probe.IndexOf((byte)0) < 0 && probe.IndexOf("createType"u8) >= 0 && probe.IndexOf("version"u8) >= 0;
    }

    public static VmdkDescriptor Parse(string file, ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        var content = end >= 0 ? bytes[..end] : bytes;

        // File names (extents, parentFileNameHint) are in the code page the descriptor declares.
        var encoding = DeclaredEncoding.FindDeclaration(content, "encoding") is { } declared ? DeclaredEncoding.Get(file, declared) : DeclaredEncoding.Default;
        var text = encoding.GetString(content);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var extents = new List<VmdkExtentLine>();
        int lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("RW ", StringComparison.Ordinal) || line.StartsWith("RDONLY ", StringComparison.Ordinal) || line.StartsWith("NOACCESS ", StringComparison.Ordinal))
            {
                extents.Add(ParseExtent(file, line, lineNumber));
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new InvalidImageException(file, $"descriptor line {lineNumber} is neither \"key = value\" nor an extent: \"{Shorten(line)}\"");
            }

            values[line[..equals].Trim()] = Unquote(line[(equals + 1)..].Trim());
        }

        if (extents.Count == 0)
        {
            throw new InvalidImageException(file, "descriptor lists no extents");
        }

        // Each line is capped, but many lines could still add up past what a long holds.
        long total = 0;
        foreach (var extent in extents)
        {
            total += extent.Sectors;
            if (total > MaxSectors)
            {
                throw new InvalidImageException(file, $"descriptor extents add up to more than {MaxSectors} sectors (64 TiB)");
            }
        }

        if (values.ContainsKey("encryption.keySafe") || values.ContainsKey("encryption.data"))
        {
            throw new UnsupportedFormatException(file, "is an encrypted VMDK (VMware VM encryption: encryption.keySafe/encryption.data): its sectors are ciphertext; decrypt the disk in VMware Workstation or vSphere first, then convert it");
        }

        var descriptor = new VmdkDescriptor(values, extents);
        foreach (var key in new[] { "CID", "parentCID" })
        {
            if (descriptor.Get(key) is { } raw && descriptor.ParseCid(key) is null)
            {
                throw new InvalidImageException(file, $"descriptor {key} \"{Shorten(raw)}\" is not a 32-bit hex number");
            }
        }

        return descriptor;
    }

    private uint? ParseCid(string key) =>
        Get(key) is { } raw && uint.TryParse(raw, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint value) ? value : null;

    private static VmdkExtentLine ParseExtent(string file, string line, int lineNumber)
    {
        // ACCESS SECTORS TYPE ["FILE" [OFFSET]]; the file name is quoted and may contain spaces.
        string? fileName = null;
        int quote = line.IndexOf('"', StringComparison.Ordinal);
        string head = line;
        string tail = "";
        if (quote >= 0)
        {
            int close = line.IndexOf('"', quote + 1);
            if (close < 0)
            {
                throw new InvalidImageException(file, $"descriptor line {lineNumber}: unterminated file name");
            }

            fileName = line[(quote + 1)..close];
            head = line[..quote];
            tail = line[(close + 1)..].Trim();
        }

        var parts = head.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3)
        {
            throw new InvalidImageException(file, $"descriptor line {lineNumber}: extent line \"{Shorten(line)}\" needs access, size and type");
        }

        var access = parts[0] switch
        {
            "RW" => VmdkAccess.ReadWrite,
            "RDONLY" => VmdkAccess.ReadOnly,
            _ => VmdkAccess.NoAccess,
        };

        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long sectors) || sectors <= 0 || sectors > (1L << 47))
        {
            throw new InvalidImageException(file, $"descriptor line {lineNumber}: extent size \"{Shorten(parts[1])}\" is not a sector count");
        }

        var type = parts[2].ToUpperInvariant() switch
        {
            "FLAT" => VmdkExtentType.Flat,
            "SPARSE" => VmdkExtentType.Sparse,
            "ZERO" => VmdkExtentType.Zero,
            "VMFS" => VmdkExtentType.Vmfs,
            "VMFSSPARSE" => VmdkExtentType.VmfsSparse,
            "VMFSRDM" => VmdkExtentType.VmfsRdm,
            "VMFSRAW" => VmdkExtentType.VmfsRaw,
            "SESPARSE" => VmdkExtentType.SeSparse,
            _ => throw new UnsupportedFormatException(file, $"descriptor line {lineNumber}: unknown extent type \"{Shorten(parts[2])}\""),
        };

        long start = 0;
        if (tail.Length > 0 && (!long.TryParse(tail, NumberStyles.None, CultureInfo.InvariantCulture, out start) || start > (1L << 47)))
        {
            throw new InvalidImageException(file, $"descriptor line {lineNumber}: extent offset \"{Shorten(tail)}\" is not a sector number");
        }

        if (type != VmdkExtentType.Zero && string.IsNullOrEmpty(fileName))
        {
            throw new InvalidImageException(file, $"descriptor line {lineNumber}: {parts[2]} extent without a file name");
        }

        return new VmdkExtentLine(access, sectors, type, fileName, start);
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "...";
}
