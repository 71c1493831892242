using V2V.Adapters.HyperV;
using V2V.Adapters.HyperV.Jobs;
using V2V.Adapters.Physical;
using V2V.Adapters.VMware;
using V2V.Adapters.VMware.Jobs;
using V2V.Adapters.XenServer;
using V2V.Core.Formats;
using V2V.DiskFormats.Raw;
using V2V.DiskFormats.Vhd;
using V2V.DiskFormats.Vhdx;
using V2V.DiskFormats.Vmdk;
using V2V.Jobs;
using V2V.Jobs.Sections;
using V2V.Jobs.Sources;

namespace V2V.Cli;

/// <summary>Every format V2V knows, registered explicitly and in detection order.</summary>
public static class FormatCatalog
{
    public static FormatRegistry Create() => new(
        sources: [new VhdxImageFormat(), new VmdkImageFormat(), new VhdImageFormat()],
        raw: new RawImageFormat(),
        targets: [new VhdxTargetFormat(), new VhdTargetFormat(), new VmdkTargetFormat(), new RawTargetFormat()],
        vmSources: [new OvaFormat(), new XvaFormat(), new OvfFormat(), new VmxFormat()]);

    /// <summary>What job files (<c>v2v run</c>) can name: source providers by <c>type</c>, and the job sections of target adapters.</summary>
    public static JobRegistry Jobs(FormatRegistry formats) => new(
        formats,
        sources: [new FileSourceProvider(formats), new VSphereSourceProvider()],
        sections: [new HyperVJobSection(formats), new GuestJobSection()]);
}
