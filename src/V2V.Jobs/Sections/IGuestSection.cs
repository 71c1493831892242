using V2V.Core.Conversion;

namespace V2V.Jobs.Sections;

/// <summary>
/// The job section that owns the post-copy guest stage (<c>guest:</c>): it gives each job its
/// <see cref="IGuestStage"/>, also when the job has no such section (the default applies).
/// </summary>
public interface IGuestSection : IJobSection
{
    /// <summary>The stage for <paramref name="job"/>'s conversion; null when its fixups are off.</summary>
    IGuestStage? StageFor(JobSpec job);
}
