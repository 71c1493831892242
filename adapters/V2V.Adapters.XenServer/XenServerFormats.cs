using V2V.Adapters.XenServer.Xva;
using V2V.Core.Formats;
using V2V.Core.Vm;
using V2V.DiskFormats.Common;

namespace V2V.Adapters.XenServer;

/// <summary>XVA exports: a tar whose first member is ova.xml.</summary>
public sealed class XvaFormat : IStreamableVmSourceFormat
{
    public string Name => "xva";
    public IReadOnlyList<string> Extensions { get; } = ["xva"];

    public bool Detect(FileProbe probe) => TarProbe.FirstMemberName(probe.Head.Span) == "ova.xml";

    public IVmSource Open(string path, SourceOptions options, FormatRegistry disks) => XvaSource.Open(path, File.OpenRead(path));

    public IVmSource OpenStream(string name, Stream stream, SourceOptions options) => XvaSource.Open(name, stream);
}
