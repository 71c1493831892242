using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;

namespace V2V.DiskFormats.Raw;

/// <summary>A raw image: the disk byte for byte, zero ranges left as holes.</summary>
public sealed class RawTargetFormat : ITargetFormat
{
    public string Name => "raw";
    public IReadOnlyList<string> Subformats { get; } = [];
    public IReadOnlyList<string> Extensions { get; } = ["raw", "img"];

    public void Validate(TargetRequest request)
    {
        if (request.Subformat is not null)
        {
            throw new UsageException($"{request.Path}: raw images have no subformat (got \"{request.Subformat}\")");
        }

        if (request.BlockSize is not null)
        {
            throw new UsageException($"{request.Path}: raw images have no block size");
        }
    }

    public bool CanReadBack => true;

    public IDiskTarget Create(SafeFileHandle file, TargetRequest request) => new RawWriter(file, request.Capacity);
}
