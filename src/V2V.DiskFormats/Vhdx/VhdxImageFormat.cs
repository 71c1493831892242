using V2V.Core.Disks;
using V2V.Core.Formats;

namespace V2V.DiskFormats.Vhdx;

/// <summary>Recognises VHDX files by "vhdxfile" at offset 0.</summary>
public sealed class VhdxImageFormat : IImageFormat, ICheckableFormat
{
    public string Name => "vhdx";
    public IReadOnlyList<string> Extensions { get; } = ["vhdx", "avhdx"];

    public bool Detect(FileProbe probe) => VhdxFileIdentifier.HasSignature(probe.Head.Span);

    public IDiskSource Open(string path, SourceOptions options) => VhdxDisk.Open(path);

    public IReadOnlyList<CheckFinding> Check(string path) => VhdxChecker.Check(path);
}
