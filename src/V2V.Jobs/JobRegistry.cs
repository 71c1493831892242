using V2V.Core.Formats;
using V2V.Jobs.Sections;
using V2V.Jobs.Sources;

namespace V2V.Jobs;

/// <summary>
/// What job files can name, registered once by the composition root: the formats, the source
/// providers (<c>source: { type: ... }</c>) and the job sections owned outside the loader
/// (<c>hyperv:</c>), in the order their keys are listed in messages.
/// </summary>
public sealed class JobRegistry(FormatRegistry formats, IEnumerable<ISourceProvider> sources, IEnumerable<IJobSection> sections)
{
    public FormatRegistry Formats { get; } = formats;

    public SourceProviders Sources { get; } = new(sources);

    public IReadOnlyList<IJobSection> Sections { get; } = [.. sections];

    /// <summary>The sections that are target hypervisors writing VM definitions (<see cref="IVmTarget"/>).</summary>
    public IEnumerable<IVmTarget> VmTargets => Sections.OfType<IVmTarget>();

    /// <summary>The section that owns the post-copy guest stage (<c>guest:</c>), if one is registered.</summary>
    public IGuestSection? Guest => Sections.OfType<IGuestSection>().FirstOrDefault();
}
