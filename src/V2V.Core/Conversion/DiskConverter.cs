using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.Core.Pipeline;

namespace V2V.Core.Conversion;

/// <summary>
/// Converts one source disk into one or more targets in a single pass: every target is checked
/// before any data moves, written under a temporary name, verified through V2V's own reader when
/// asked, and renamed into place only then. Any failure or cancellation deletes every partial file.
/// </summary>
public static class DiskConverter
{
    /// <summary>Converts one disk into its targets and puts them in place (or leaves nothing).</summary>
    /// <exception cref="InvalidImageException">The source is empty or its data is damaged (exit 2).</exception>
    /// <exception cref="UsageException">A target is refused before any data moves: no target, a bad name, a file the run reads, named twice, a sector size that would misplace the partitions (<see cref="SectorSizeChange"/>).</exception>
    /// <exception cref="OutputExistsException">A target exists and <see cref="DiskConversionRequest.Overwrite"/> is not set.</exception>
    public static async Task<ConversionOutcome> ConvertAsync(DiskConversionRequest request, IProgress<ConversionProgress>? progress, CancellationToken cancellationToken)
    {
        var source = request.Source;
        if (source.Capacity == 0)
        {
            throw new InvalidImageException(source.Path, "is empty (0 bytes): there is no disk to convert");
        }

        foreach (var plan in request.Targets)
        {
            if (SectorSizeChange.Problem(source, plan.Request.LogicalSectorSize, plan.Request.Path) is { } problem)
            {
                throw new UsageException(problem);
            }
        }

        var read = request.Read ?? new FilesRead();
        read.AddRange(source.Files);
        using var outputs = new OutputSet(request.Overwrite, request.Options.Durable, read);
        var feed = new DiskFeedRequest(new RandomAccessProducer(source, source.Capacity), source.Path, request.Targets, outputs, request.Formats, request.Options);
        var outcome = await ConvertIntoAsync(feed, progress, cancellationToken).ConfigureAwait(false);
        outputs.CommitAll();
        return outcome;
    }

    /// <summary>
    /// Converts one disk, fed by any producer, into partial files of the request's output set;
    /// the caller commits the set once every disk of the job is done.
    /// </summary>
    public static async Task<ConversionOutcome> ConvertIntoAsync(DiskFeedRequest request, IProgress<ConversionProgress>? progress, CancellationToken cancellationToken)
    {
        var (producer, plans, options) = (request.Producer, request.Targets, request.Options);
        CheckPlans(request.Outputs.Read, plans);
        var staged = plans.Select(p => options.Guest?.AppliesTo(p, p.Format.CanReadBack) == true).ToList();
        var pipelineOptions = staged.Contains(true) ? options.Pipeline with { KeepPieceHashes = true } : options.Pipeline;

        var files = new List<AtomicOutputFile>();
        var targets = new List<IDiskTarget>();
        try
        {
            foreach (var plan in plans)
            {
                var output = request.Outputs.Create(plan.Request.Path);
                files.Add(output);
                try
                {
                    targets.Add(plan.Format.Create(output.Handle, plan.Request));
                }
                catch (IOException e)
                {
                    // A fixed target reserves its space here: a full disk must name the file.
                    throw new IOException($"{output.PartialPath}: {e.Message}", e);
                }
            }

            var copy = await BlockPipeline.RunAsync(producer, targets, pipelineOptions, SynchronousProgress(progress, ConversionPhase.Copying, null), cancellationToken).ConfigureAwait(false);

            var outcomes = new List<TargetOutcome>();
            for (int i = 0; i < plans.Count; i++)
            {
                // The guest stage runs on the partial target, after the copy and before its tables are written.
                GuestStageReport? guest = null;
                string digest = copy.Digest;
                if (staged[i] && targets[i] is IReadBackTarget readBack)
                {
                    var image = new GuestStageTarget(readBack, plans[i], files[i].FinalPath, request.SourceName, producer.Length, copy.Digest, copy.Pieces!, request.Outputs);
                    guest = options.Guest!.Run(image, cancellationToken);
                    digest = image.Flush();
                }

                targets[i].Complete();
                string? verified = null;
                if (options.Verify)
                {
                    verified = await VerifyAsync(request.Formats, files[i], producer.Length, digest, options.Pipeline,
                        SynchronousProgress(progress, ConversionPhase.Verifying, plans[i].Request.Path), cancellationToken).ConfigureAwait(false);
                }

                outcomes.Add(TargetOutcome.Written(plans[i], files[i].FinalPath, producer.Length, targets[i].Capacity, RandomAccess.GetLength(files[i].Handle), verified)
                    with { Digest = digest, Guest = guest });
            }

            return new ConversionOutcome(request.SourceName, producer.Length, copy, outcomes);
        }
        finally
        {
            foreach (var target in targets)
            {
                target.Dispose();
            }
        }
    }

    /// <summary>Reads a finished (not yet renamed) target back and checks it holds exactly the content of <paramref name="expectedDigest"/> (the source's, or the fixed disk's).</summary>
    private static async Task<string> VerifyAsync(FormatRegistry registry, AtomicOutputFile output, long sourceCapacity, string expectedDigest,
        PipelineOptions options, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken)
    {
        using var written = registry.Open(output.PartialPath, SourceOptions.Default);
        if (written.Capacity < sourceCapacity)
        {
            throw new ChecksumMismatchException(output.FinalPath, "verification: capacity", sourceCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture), written.Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var check = await BlockPipeline.DigestAsync(written, sourceCapacity, options, progress, cancellationToken).ConfigureAwait(false);
        if (check.Digest != expectedDigest)
        {
            throw new ChecksumMismatchException(output.FinalPath, "verification: content digest", expectedDigest, check.Digest);
        }

        if (DiskComparer.FirstNonZero(written, sourceCapacity, written.Capacity) is { } offset)
        {
            throw new ChecksumMismatchException(output.FinalPath, $"verification: padding after the source's end is not zero at offset {offset}", "zeros", "data");
        }

        return check.Digest;
    }

    private static void CheckPlans(FilesRead read, IReadOnlyList<TargetPlan> plans)
    {
        if (plans.Count == 0)
        {
            throw new UsageException("no target given");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plan in plans)
        {
            if (AtomicOutputFile.NameProblem(plan.Request.Path) is { } problem)
            {
                throw new UsageException(problem);
            }

            plan.Format.Validate(plan.Request);
            read.Refuse(plan.Request.Path);
            if (!seen.Add(Path.GetFullPath(plan.Request.Path)))
            {
                throw new UsageException($"{plan.Request.Path}: named as a target twice");
            }
        }
    }

    /// <summary>
    /// Progress reports delivered on the reporting thread (Progress&lt;T&gt; would post them to the
    /// thread pool out of order).
    /// </summary>
    private static ForwardingProgress? SynchronousProgress(IProgress<ConversionProgress>? progress, ConversionPhase phase, string? target) =>
        progress is null ? null : new ForwardingProgress(p => progress.Report(new ConversionProgress(phase, target, p)));

    private sealed class ForwardingProgress(Action<PipelineProgress> report) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => report(value);
    }
}
