using V2V.Core.Disks;
using V2V.Core.Formats;

namespace V2V.DiskFormats.Vhd;

/// <summary>Recognises VHDs: "conectix" at offset 0 (dynamic, differencing) or in the last 512 bytes (fixed).</summary>
public sealed class VhdImageFormat : IImageFormat
{
    public string Name => "vhd";
    public IReadOnlyList<string> Extensions { get; } = ["vhd", "avhd"];

    public bool Detect(FileProbe probe)
    {
        var tail = probe.Tail.Span;
        return VhdFooter.HasCookie(probe.Head.Span)
            || (tail.Length >= 512 && VhdFooter.HasCookie(tail[^512..]))
            || (tail.Length >= 511 && VhdFooter.HasCookie(tail[^511..]));
    }

    public IDiskSource Open(string path, SourceOptions options) => VhdDisk.Open(path, options);
}
