using V2V.Core.Disks;

namespace V2V.Core.Formats;

/// <summary>A disk image format V2V can read, recognised by its magic bytes.</summary>
public interface IImageFormat
{
    /// <summary>Short name used in messages and <c>--to</c>: "vhdx", "vmdk", "raw".</summary>
    string Name { get; }

    /// <summary>File name extensions that claim this format (used only to catch a damaged file that lost its magic).</summary>
    IReadOnlyList<string> Extensions { get; }

    /// <summary>True when the probe carries this format's magic.</summary>
    bool Detect(FileProbe probe);

    IDiskSource Open(string path, SourceOptions options);
}
