using V2V.Jobs.Loading;

namespace V2V.Jobs.Sources;

/// <summary>
/// A kind of source a job names in <c>source: { type: ... }</c>: local files recognised by their
/// content (<see cref="FileSourceProvider"/>), or a source that is not a local file (a vSphere
/// server). Registered once in the <see cref="JobRegistry"/>; the loader asks it to read the job's
/// <c>source:</c> mapping, the planner and the runner open what it read (<see cref="SourceSpec.Open"/>).
/// </summary>
public interface ISourceProvider
{
    /// <summary>The <c>type:</c> names it reads, in lower case ("raw", "ova", "vsphere"); no two providers share one.</summary>
    IReadOnlyList<string> Types { get; }

    /// <summary>The keys its <c>source:</c> mapping may hold, <c>type</c> included; the loader reports any other.</summary>
    IReadOnlyList<string> Keys { get; }

    /// <summary>
    /// Reads a job's source of one of its <paramref name="type"/>s from the checked keys. Each
    /// problem is reported at its value (<see cref="YamlValue.Error"/>, <see cref="YamlFields.Error"/>)
    /// as FILE:LINE:COL; relative local paths are resolved with <see cref="YamlValue.Resolve"/>.
    /// Nothing is opened or contacted here: that is <see cref="SourceSpec.Open"/>'s work.
    /// </summary>
    /// <returns>The source, or null when a problem was reported.</returns>
    SourceSpec? Read(string type, YamlFields source);
}
