using V2V.Core.Formats;

namespace V2V.Jobs.Sources;

/// <summary>
/// What a job reads, as its <c>source:</c> declares it: the <c>type</c> and the provider's own
/// settings (a path; a server, a VM and credentials). Opened once to plan the job and once more
/// to run it.
/// </summary>
/// <param name="Type">The <c>type:</c> written, or "auto".</param>
/// <param name="At">Where the <c>source:</c> mapping starts.</param>
public abstract record SourceSpec(string Type, YamlLocation At)
{
    /// <summary>How messages, the plan and the report name the source: a path, or an address such as <c>vsphere://host/DC/vm/web01</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Where problems of the source itself are reported (the value of <c>path</c>, of <c>vm</c>).</summary>
    public abstract YamlLocation NameAt { get; }

    /// <summary>The local file or device the source is, or null for a source that is not a local file.</summary>
    public virtual string? LocalPath => null;

    /// <summary>
    /// Checks everything that can be checked before a copy (the file exists and is what
    /// <see cref="Type"/> says; the server answers, the login works, the VM exists and is off) and
    /// opens the source as one disk or as VMs. The caller disposes the result.
    /// </summary>
    /// <exception cref="JobFileException">A problem the job file can point at (exit code 2).</exception>
    /// <exception cref="Core.Errors.V2VException">The source itself is unreadable, malformed or refused; reported at <see cref="NameAt"/>.</exception>
    public abstract OpenedSource Open(FormatRegistry formats);
}
