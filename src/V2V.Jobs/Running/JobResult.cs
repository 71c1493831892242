using V2V.Core.Conversion;
using V2V.Core.Vm;

namespace V2V.Jobs.Running;

/// <summary>One file a job wrote.</summary>
/// <param name="Digest">The source disk's content digest.</param>
/// <param name="Verified">The file was read back and matched its own digest (<see cref="OutputDigest"/>).</param>
public sealed record JobOutput(string Path, string Format, string? Subformat, long Capacity, long FileLength, string Digest, bool Verified)
{
    /// <summary>The file's own content digest: <see cref="Digest"/> unless the guest fixups changed it.</summary>
    public string? OutputDigest { get; init; }

    /// <summary>The fixup journal written beside the file (<c>FILE.fixups.json</c>); null when the fixups changed nothing.</summary>
    public string? FixupJournal { get; init; }

    /// <summary>What the guest stage said (verdict and each fixup's outcome); null when it did not run.</summary>
    public IReadOnlyList<string>? Guest { get; init; }
}

/// <summary>How a job ended: its outputs, or the error that stopped it and the exit code it stands for.</summary>
/// <param name="Source">The source's name (<see cref="Sources.SourceSpec.Name"/>): a path, or an address.</param>
/// <param name="Notes">Warnings of VM definitions and the outcome of acting on them (null for a disk job).</param>
/// <param name="Guests">
/// What guest inspection found: a disk job's source (inspected before the copy), each VM's converted
/// boot disk when a target hypervisor's definition inspected it (with <see cref="GuestReport.Vm"/>); null when nothing was inspected.
/// </param>
public sealed record JobResult(string Name, bool Succeeded, int ExitCode, string? Error, string Source, IReadOnlyList<JobOutput> Outputs, long BytesRead, double Seconds, IReadOnlyList<string>? Notes = null,
    IReadOnlyList<GuestReport>? Guests = null)
{
    /// <summary>A job whose outputs are all in place.</summary>
    public static JobResult Success(JobSpec job, IReadOnlyList<JobOutput> outputs, long bytesRead, TimeSpan elapsed, IReadOnlyList<string>? notes = null, IReadOnlyList<GuestReport>? guests = null) =>
        new(job.Name, true, 0, null, job.Source.Name, outputs, bytesRead, elapsed.TotalSeconds, notes, guests is { Count: > 0 } ? guests : null);

    /// <summary>A job that stopped with <paramref name="error"/> and left no output.</summary>
    public static JobResult Failure(JobSpec job, int exitCode, string error, TimeSpan elapsed) =>
        new(job.Name, false, exitCode, error, job.Source.Name, [], 0, elapsed.TotalSeconds);
}

/// <summary>A progress report of one job.</summary>
public readonly record struct JobProgress(string Job, ConversionProgress Conversion);
