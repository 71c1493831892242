using System.CommandLine;
using System.Globalization;
using V2V.Core;
using V2V.Core.Conversion;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.Core.Pipeline;
using V2V.Guest.Fixups;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v guest undo TARGET</c>: reverts a fixed image offline with its journal
/// (<c>TARGET.fixups.json</c>). The image is copied, with the same format and parameters, into
/// <c>TARGET.partial</c> through a chunk transform that puts the journal's original bytes back; the
/// copy is read back and must have the journal's source digest, and only then is it renamed over
/// TARGET and are the journal and <c>TARGET.undo.reg</c> removed (they describe fixups the image no
/// longer has). Any failure leaves TARGET and its journal as they were.
/// </summary>
internal static class GuestUndoCommand
{
    public static Command Build(CliContext context)
    {
        var target = new Argument<string>("TARGET") { Description = "A fixed image with TARGET.fixups.json beside it" };
        var noProgress = new Option<bool>("--no-progress") { Description = "Do not draw a progress bar" };
        var command = new Command("undo", "Revert a fixed image's Windows fixups offline with its journal (TARGET.fixups.json); the result has the source's digest") { target, noProgress };
        command.SetAction(async (parse, _) =>
        {
            string path = parse.GetValue(target)!;
            var undone = await ProgressDisplay.RunAsync(context.ProgressAllowed && !parse.GetValue(noProgress),
                progress => UndoAsync(context, path, progress)).ConfigureAwait(false);
            context.Out.WriteLine($"undone {undone.Path}");
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  restored  {undone.Ranges} ranges, {undone.Bytes} bytes (the journal's original bytes)"));
            context.Out.WriteLine($"  verified  yes, the content digest is the source's: {undone.Digest}");
            foreach (string removed in undone.Removed)
            {
                context.Out.WriteLine($"  removed   {removed}");
            }

            foreach (string problem in undone.NotRemoved)
            {
                await context.Error.WriteLineAsync($"warning: {problem}").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private sealed record Undone(string Path, int Ranges, long Bytes, string Digest, IReadOnlyList<string> Removed, IReadOnlyList<string> NotRemoved);

    private static async Task<Undone> UndoAsync(CliContext context, string path, IProgress<ConversionProgress>? progress)
    {
        string journalPath = FixupJournalFile.JournalPathOf(path);
        if (!File.Exists(journalPath))
        {
            throw new UsageException($"{journalPath}: no fixup journal there, so {path} has no fixups v2v can undo");
        }

        var cancel = context.Cancellation;
        string expected;
        JournalRanges ranges;
        using (var output = AtomicOutputFile.Create(path, overwrite: true))
        {
            using (var disk = context.Registry.Open(path, SourceOptions.Default))
            {
                var journal = FixupJournalFile.Read(journalPath, disk.Capacity);
                expected = journal.SourceDigest
                    ?? throw new InvalidImageException(journalPath, "has no source-digest, so an undo could not be proven to give the source back; nothing was changed");
                var hash = DigestAlgorithm.Find(expected[..expected.IndexOf(':', StringComparison.Ordinal)])!;
                long length = journal.SourceCapacity ?? disk.Capacity;
                ranges = JournalRanges.From(journalPath, journal, disk.Capacity);
                CheckStored(disk, ranges, journalPath);

                var plan = SameAs(context.Registry, disk, path);
                using (var writer = plan.Format.Create(output.Handle, plan.Request))
                {
                    var options = new PipelineOptions { Digest = hash, Transform = new FixupUndoTransform(ranges) };
                    await BlockPipeline.RunAsync(new RandomAccessProducer(disk, disk.Capacity), [writer], options, Forward(progress, ConversionPhase.Copying), cancel).ConfigureAwait(false);
                    writer.Complete();
                }

                string? got = await DigestAsync(context.Registry, output.PartialPath, length, hash, Forward(progress, ConversionPhase.Verifying), cancel).ConfigureAwait(false);
                if (got != expected)
                {
                    throw await MismatchAsync(disk, journal, length, hash, got, path, journalPath, cancel).ConfigureAwait(false);
                }
            }

            // The source is closed before the rename (Windows cannot replace an open file).
            output.Seal(durable: true);
            output.Rename();
        }

        var removed = new List<string>();
        var notRemoved = new List<string>();
        foreach (string file in (string[])[journalPath, FixupJournalFile.UndoRegPathOf(path)])
        {
            try
            {
                if (File.Exists(file))
                {
                    File.Delete(file);
                    removed.Add(file);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                notRemoved.Add($"{file}: not removed ({e.Message}); it describes fixups {path} no longer has");
            }
        }

        return new Undone(path, ranges.Count, ranges.Bytes, expected, removed, notRemoved);
    }

    /// <summary>
    /// Only the chunks the image stores pass through the transform: a journaled range elsewhere
    /// means the journal is not this image's (a fixed disk holds the bytes the fixups wrote).
    /// </summary>
    private static void CheckStored(IDiskSource disk, JournalRanges ranges, string journalPath)
    {
        var stored = ChunkPlanner.DataChunks(disk.EnumerateRanges(), disk.Capacity).ToHashSet();
        foreach (var range in ranges.Ranges)
        {
            for (long chunk = range.Offset / Chunk.Size * Chunk.Size; chunk < range.End; chunk += Chunk.Size)
            {
                if (!stored.Contains(chunk))
                {
                    throw new InvalidImageException(journalPath, $"names {range.Length} bytes at offset {range.Offset}, where {disk.Path} stores no data: it is not this image's journal");
                }
            }
        }
    }

    /// <summary>A target like <paramref name="disk"/>: its format, subformat, block size and sector size.</summary>
    internal static TargetPlan SameAs(FormatRegistry formats, IDiskSource disk, string path)
    {
        var description = disk.Describe();
        if (description.Chain.Count > 1)
        {
            throw new UnsupportedFormatException(path, $"has parents ({string.Join(", ", description.Chain.Skip(1))}); v2v fixes and undoes single-file images only");
        }

        var format = formats.Targets.FirstOrDefault(t => t.Name == description.Format)
            ?? throw new UnsupportedFormatException(path, $"is a {description.Format} image, which v2v does not write (it writes {string.Join(", ", formats.Targets.Select(t => t.Name))})");
        long? blockSize = description.Properties.FirstOrDefault(p => p.Key == "block size").Value is { } text
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long size) ? size : null;
        var request = new TargetRequest(path, disk.Capacity, description.Subformat, blockSize, disk.LogicalSectorSize);
        format.Validate(request);
        return new TargetPlan(format, request);
    }

    /// <summary>The content digest of the first <paramref name="length"/> bytes of the image at <paramref name="path"/>, or null when it holds data past them.</summary>
    private static async Task<string?> DigestAsync(FormatRegistry formats, string path, long length, DigestAlgorithm hash, IProgress<PipelineProgress>? progress, CancellationToken cancel)
    {
        using var written = formats.Open(path, SourceOptions.Default);
        if (written.Capacity < length || DiskComparer.FirstNonZero(written, length, written.Capacity) is not null)
        {
            return null;
        }

        var result = await BlockPipeline.DigestAsync(written, length, new PipelineOptions { Digest = hash }, progress, cancel).ConfigureAwait(false);
        return result.Digest;
    }

    /// <summary>Why the undone copy is not the source: the image changed after its fixups (started?), or the journal does not describe it.</summary>
    private static async Task<V2VException> MismatchAsync(IDiskSource disk, FixupJournal journal, long length, DigestAlgorithm hash, string? got, string path, string journalPath, CancellationToken cancel)
    {
        string found = got ?? "data past the source's end";
        if (journal.OutputDigest is { } fixedDigest && fixedDigest.StartsWith(hash.Name + ":", StringComparison.Ordinal))
        {
            var now = await BlockPipeline.DigestAsync(disk, length, new PipelineOptions { Digest = hash }, null, cancel).ConfigureAwait(false);
            if (now.Digest != fixedDigest)
            {
                return new ChecksumMismatchException(path, $"undo refused: the image changed after its fixups (was the VM started?), so putting the journal's bytes back cannot give the source; " +
                    $"import {FixupJournalFile.UndoRegPathOf(Path.GetFileName(path))} in the running guest instead. Fixed-disk digest", fixedDigest, now.Digest);
            }
        }

        return new ChecksumMismatchException(path, $"undo refused: the copy with {Path.GetFileName(journalPath)}'s original bytes is not the source; content digest", journal.SourceDigest!, found);
    }

    private static Forwarding? Forward(IProgress<ConversionProgress>? progress, ConversionPhase phase) =>
        progress is null ? null : new Forwarding(p => progress.Report(new ConversionProgress(phase, null, p)));

    /// <summary>Reports delivered on the reporting thread, in order.</summary>
    private sealed class Forwarding(Action<PipelineProgress> report) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => report(value);
    }
}
