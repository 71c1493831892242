using V2V.Core.Disks;
using V2V.Core.Formats;

namespace V2V.Adapters.Physical;

/// <summary>
/// Raw disks have no magic: this format is what the registry falls back to when no other matches,
/// and what a block device always is.
/// </summary>
public sealed class RawImageFormat : IImageFormat
{
    public string Name => "raw";
    public IReadOnlyList<string> Extensions { get; } = [];

    public bool Detect(FileProbe probe) => false;

    public IDiskSource Open(string path, SourceOptions options) => RawDiskSource.Open(path);
}
