using V2V.Core.Disks;
using V2V.Core.Formats;

namespace V2V.DiskFormats.Vmdk;

/// <summary>Recognises VMDKs: a "KDMV" sparse header, or a text descriptor.</summary>
public sealed class VmdkImageFormat : IImageFormat
{
    public string Name => "vmdk";
    public IReadOnlyList<string> Extensions { get; } = ["vmdk"];

    public bool Detect(FileProbe probe) =>
        SparseExtentHeader.HasMagic(probe.Head.Span) || CowdHeader.HasMagic(probe.Head.Span) || SeSparseHeader.HasMagic(probe.Head.Span)
        || VmdkDescriptor.Looks(probe.Head.Span);

    public IDiskSource Open(string path, SourceOptions options) => VmdkDisk.Open(path, options);
}
