using V2V.Adapters.VMware.Ova;
using V2V.Adapters.VMware.Ovf;
using V2V.Adapters.VMware.Vmx;
using V2V.Core.Formats;
using V2V.Core.Vm;
using V2V.DiskFormats.Common;

namespace V2V.Adapters.VMware;

/// <summary>OVA packages: a tar whose first member is an .ovf.</summary>
public sealed class OvaFormat : IStreamableVmSourceFormat
{
    public string Name => SourceOptions.ManifestFormat;
    public IReadOnlyList<string> Extensions { get; } = ["ova"];

    public bool Detect(FileProbe probe) =>
        TarProbe.FirstMemberName(probe.Head.Span) is { } first && first.EndsWith(".ovf", StringComparison.OrdinalIgnoreCase);

    /// <summary>A regular file is read in place; anything that cannot seek (a FIFO) is streamed.</summary>
    public IVmSource Open(string path, SourceOptions options, FormatRegistry disks)
    {
        var file = File.OpenRead(path);
        return file.CanSeek ? OvaFileSource.Open(path, file, disks, options) : OvaSource.Open(path, file, options);
    }

    public IVmSource OpenStream(string name, Stream stream, SourceOptions options) => OvaSource.Open(name, stream, options);
}

/// <summary>Unpacked OVF descriptors: XML with an Envelope element.</summary>
public sealed class OvfFormat : IVmSourceFormat
{
    public string Name => "ovf";
    public IReadOnlyList<string> Extensions { get; } = ["ovf"];

    public bool Detect(FileProbe probe) => OvfEnvelope.Looks(probe.Head.Span);

    public IVmSource Open(string path, SourceOptions options, FormatRegistry disks) => OvfSource.Open(path, options, disks);
}

/// <summary>VMware VM configurations: key = "value" text naming a virtualHW.version.</summary>
public sealed class VmxFormat : IVmSourceFormat
{
    public string Name => "vmx";
    public IReadOnlyList<string> Extensions { get; } = ["vmx"];

    public bool Detect(FileProbe probe) => VmxFile.Looks(probe.Head.Span);

    public IVmSource Open(string path, SourceOptions options, FormatRegistry disks) => VmxSource.Open(path, options, disks);
}
