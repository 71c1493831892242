using V2V.Jobs.Loading;

namespace V2V.Jobs.Sections;

/// <summary>
/// A section of a job owned outside the loader, under its own key (a target adapter's
/// <c>hyperv:</c>; later <c>guest:</c>). The loader hands it the section's value with its location;
/// it reports its own problems as FILE:LINE:COL. Derive from <see cref="JobSection{TSettings}"/>.
/// </summary>
public interface IJobSection
{
    /// <summary>The job key it owns ("hyperv").</summary>
    string Key { get; }

    /// <summary>Reads the section's value; null when it reported a problem.</summary>
    object? Read(YamlValue value);
}

/// <summary>A job section whose settings are a <typeparamref name="TSettings"/>, read back per job with <see cref="Of"/>.</summary>
public abstract class JobSection<TSettings> : IJobSection where TSettings : class
{
    public abstract string Key { get; }

    /// <summary>Reads the section's value, reporting each problem at its place; null when there was one.</summary>
    public abstract TSettings? Read(YamlValue value);

    object? IJobSection.Read(YamlValue value) => Read(value);

    /// <summary>The job's settings of this section, or null when the job has none.</summary>
    public TSettings? Of(JobSpec job) => job.Sections.TryGetValue(Key, out var settings) ? (TSettings)settings : null;
}
