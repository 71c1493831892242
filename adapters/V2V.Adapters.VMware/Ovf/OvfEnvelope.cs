using System.Globalization;
using System.Xml.Linq;
using V2V.Core.Errors;
using V2V.DiskFormats.Common;

namespace V2V.Adapters.VMware.Ovf;

/// <summary>A file of the package (References/File): its name, size, compression and chunking.</summary>
public sealed record OvfFile(string Id, string Href, long? Size, string? Compression, long? ChunkSize);

/// <summary>A disk of DiskSection: which file holds it, its capacity in bytes, its format URI.</summary>
public sealed record OvfDisk(string DiskId, string? FileRef, long Capacity, string? Format);

/// <summary>
/// An OVF descriptor, parsed from untrusted XML with DTDs and external entities disabled. Element
/// names are matched by local name, since VMware, VirtualBox and ovftool disagree on namespaces.
/// </summary>
public sealed class OvfEnvelope
{
    public const int MaxLength = 16 * 1024 * 1024;

    private OvfEnvelope(IReadOnlyList<OvfFile> files, IReadOnlyList<OvfDisk> disks, IReadOnlyList<XElement> systems)
    {
        Files = files;
        Disks = disks;
        VirtualSystems = systems;
    }

    public IReadOnlyList<OvfFile> Files { get; }
    public IReadOnlyList<OvfDisk> Disks { get; }

    /// <summary>Every VirtualSystem, including those inside a VirtualSystemCollection.</summary>
    public IReadOnlyList<XElement> VirtualSystems { get; }

    public static bool Looks(ReadOnlySpan<byte> head)
    {
        var probe = head[..Math.Min(head.Length, 4096)];
        return probe.IndexOf("<Envelope"u8) >= 0 || probe.IndexOf(":Envelope"u8) >= 0;
    }

    public static OvfEnvelope Load(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxLength)
        {
            throw new InvalidImageException(path, $"an OVF of {info.Length} bytes is too large to be one");
        }

        return Parse(path, File.ReadAllBytes(path));
    }

    public static OvfEnvelope Parse(string name, byte[] xml)
    {
        var document = UntrustedXml.Load(name, "OVF", xml, MaxLength);
        var root = document.Root;
        if (root is null || root.Name.LocalName != "Envelope")
        {
            throw new InvalidImageException(name, "OVF has no Envelope element");
        }

        var files = Children(root, "References").SelectMany(r => Children(r, "File")).Select(f => new OvfFile(
            Attr(f, "id") ?? throw new InvalidImageException(name, "References/File without ovf:id"),
            Attr(f, "href") ?? throw new InvalidImageException(name, "References/File without ovf:href"),
            Long(name, Attr(f, "size"), "File ovf:size"),
            Attr(f, "compression"),
            Long(name, Attr(f, "chunkSize"), "File ovf:chunkSize"))).ToList();

        var disks = Children(root, "DiskSection").SelectMany(s => Children(s, "Disk")).Select(d => new OvfDisk(
            Attr(d, "diskId") ?? throw new InvalidImageException(name, "DiskSection/Disk without ovf:diskId"),
            Attr(d, "fileRef"),
            Capacity(name, Attr(d, "capacity"), Attr(d, "capacityAllocationUnits")),
            Attr(d, "format"))).ToList();

        var systems = root.Descendants().Where(e => e.Name.LocalName == "VirtualSystem").ToList();
        if (systems.Count == 0)
        {
            throw new InvalidImageException(name, "OVF describes no VirtualSystem");
        }

        return new OvfEnvelope(files, disks, systems);
    }

    internal static IEnumerable<XElement> Children(XElement element, string localName) =>
        element.Elements().Where(e => e.Name.LocalName == localName);

    internal static string? Attr(XElement element, string localName) =>
        element.Attributes().FirstOrDefault(a => a.Name.LocalName == localName)?.Value;

    internal static long? Long(string name, string? text, string what)
    {
        if (text is null)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new InvalidImageException(name, $"{what} \"{text}\" is not a number");
    }

    /// <summary>
    /// A capacity with its allocation units ("byte * 2^30", "byte*1024", "MegaBytes"); bytes when
    /// no units are given. Results past 2^56 bytes are refused as nonsense.
    /// </summary>
    public static long Capacity(string name, string? text, string? units)
    {
        long value = Long(name, text, "Disk ovf:capacity") ?? throw new InvalidImageException(name, "Disk without ovf:capacity");
        long factor = UnitFactor(name, units);
        if (value < 0 || (factor > 0 && value > (1L << 56) / factor))
        {
            throw new InvalidImageException(name, $"capacity {value} × {factor} is larger than any disk");
        }

        return value * factor;
    }

    public static long UnitFactor(string name, string? units)
    {
        if (string.IsNullOrWhiteSpace(units))
        {
            return 1;
        }

        string compact = units.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        switch (compact)
        {
            case "byte" or "bytes":
                return 1;
            case "kilobytes" or "kb":
                return 1L << 10;
            case "megabytes" or "mb":
                return 1L << 20;
            case "gigabytes" or "gb":
                return 1L << 30;
        }

        if (compact.StartsWith("byte*", StringComparison.Ordinal))
        {
            string rest = compact[5..];
            int caret = rest.IndexOf('^', StringComparison.Ordinal);
            if (caret > 0 && int.TryParse(rest[..caret], NumberStyles.None, CultureInfo.InvariantCulture, out int b)
                && int.TryParse(rest[(caret + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int e)
                && b is >= 2 and <= 10 && e is >= 0 and <= 60 && Math.Pow(b, e) < 1L << 60)
            {
                return (long)Math.Pow(b, e);
            }

            if (long.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out long plain) && plain > 0 && plain < 1L << 60)
            {
                return plain;
            }
        }

        throw new UnsupportedFormatException(name, $"allocation units \"{units}\"");
    }
}
