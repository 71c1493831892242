using V2V.Core.Pipeline;

namespace V2V.Core.Jobs;

/// <summary>Where something was written in pipeline.yaml, for messages as FILE:LINE:COL.</summary>
public readonly record struct YamlLocation(string File, long Line, long Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>One problem found in a pipeline, reported as <c>FILE:LINE:COL: message</c>.</summary>
public sealed record PipelineError(YamlLocation At, string Message)
{
    public override string ToString() => $"{At}: {Message}";
}

/// <summary>Settings every job starts from (<c>defaults:</c>); a null digest is <see cref="DigestAlgorithm.Default"/>.</summary>
public sealed record JobDefaults(bool Verify, bool Overwrite, DigestAlgorithm? Digest = null);

/// <summary>What a job reads: <c>type</c> (auto, physical, raw, vmdk, vmx, ova, ovf, xva, vhd, vhdx) and <c>path</c>.</summary>
public sealed record SourceSpec(string Type, string Path, YamlLocation At, YamlLocation PathAt);

/// <summary>One output of a job's chain. <see cref="Path"/> may hold {vm}, {n} and {job} placeholders.</summary>
public sealed record StepSpec(string Format, string? Subformat, long? BlockSize, int? SectorSize, string Path, bool Keep, YamlLocation At, YamlLocation PathAt);

/// <summary>
/// A job's <c>hyperv:</c> settings: how its VM becomes a Hyper-V VM (generation override, switch
/// map, default switch, memory override, static MACs, VM folder) and whether to create it.
/// </summary>
public sealed record HyperVSettings(
    int? Generation,
    IReadOnlyDictionary<string, string> SwitchMap,
    string? DefaultSwitch,
    long? Memory,
    bool StaticMac,
    string? VmFolder,
    bool Apply,
    string? Host);

/// <summary>A named migration: one source read once, every step of its chain written from that one read.</summary>
public sealed record JobSpec(string Name, SourceSpec Source, IReadOnlyList<StepSpec> Chain, bool Verify, bool Overwrite, YamlLocation At, HyperVSettings? HyperV = null,
    DigestAlgorithm? Digest = null);

/// <summary>A parsed, schema-checked pipeline.yaml; relative paths are already resolved against its folder.</summary>
public sealed record PipelineDocument(string File, int Parallel, JobDefaults Defaults, IReadOnlyList<JobSpec> Jobs);
