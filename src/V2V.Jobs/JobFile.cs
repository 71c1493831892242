using V2V.Core.Pipeline;
using V2V.Jobs.Sources;

namespace V2V.Jobs;

/// <summary>Where something was written in the job file (pipeline.yaml), for messages as FILE:LINE:COL.</summary>
public readonly record struct YamlLocation(string File, long Line, long Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>One problem found in a job file, reported as <c>FILE:LINE:COL: message</c>.</summary>
public sealed record JobFileError(YamlLocation At, string Message)
{
    public override string ToString() => $"{At}: {Message}";
}

/// <summary>Settings every job starts from (<c>defaults:</c>); a null digest is <see cref="DigestAlgorithm.Default"/>.</summary>
public sealed record JobDefaults(bool Verify, bool Overwrite, DigestAlgorithm? Digest = null);

/// <summary>One output of a job's chain. <see cref="Path"/> may hold {vm}, {n} and {job} placeholders.</summary>
public sealed record StepSpec(string Format, string? Subformat, long? BlockSize, int? SectorSize, string Path, bool Keep, YamlLocation At, YamlLocation PathAt);

/// <summary>A named migration: one source read once, every step of its chain written from that one read.</summary>
/// <param name="Source">What the job reads, as its source provider read it (<see cref="SourceSpec"/>).</param>
/// <param name="Sections">
/// The job's sections owned outside the loader (<c>hyperv:</c>), by key, as their <see cref="Sections.IJobSection"/>
/// read them; read one back with <see cref="Sections.JobSection{TSettings}.Of"/>.
/// </param>
public sealed record JobSpec(string Name, SourceSpec Source, IReadOnlyList<StepSpec> Chain, bool Verify, bool Overwrite, YamlLocation At,
    DigestAlgorithm? Digest, IReadOnlyDictionary<string, object> Sections);

/// <summary>A parsed, schema-checked job file (pipeline.yaml); relative paths are already resolved against its folder.</summary>
public sealed record JobFile(string File, int Parallel, JobDefaults Defaults, IReadOnlyList<JobSpec> Jobs);
