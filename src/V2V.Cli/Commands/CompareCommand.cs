using System.CommandLine;
using V2V.Core.Conversion;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Pipeline;
using V2V.Guest.Fixups;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v compare A B</c>: content comparison; exit 0 when identical, 1 at the first difference.
/// A or B may also be a printed digest (<c>NAME:HEX</c>): the image is then digested with the hash
/// that digest names, so a digest made with any of V2V's hashes stays comparable; two digests made
/// with different hashes are refused as incomparable, never reported as different content.
/// With <c>--journal FILE</c> (a fixed target's <c>TARGET.fixups.json</c>), B is read as it was
/// before its fixups: exit 0 when the only differences lie in the journal's ranges.
/// </summary>
public static class CompareCommand
{
    public static Command Build(CliContext context)
    {
        var first = new Argument<string>("A") { Description = "First image, or a content digest NAME:HEX" };
        var second = new Argument<string>("B") { Description = "Second image, or a content digest NAME:HEX" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var digest = DigestOption.Create();
        digest.Description = "Compare content digests made with this hash instead of the bytes themselves";
        var journal = new Option<string?>("--journal") { Description = "B's fixup journal (B.fixups.json): differences inside its ranges do not count" };
        var command = new Command("compare", "Compare the content of two images, whatever their formats") { first, second, json, digest, journal };

        command.SetAction(async (parse, _) =>
        {
            string pathA = parse.GetValue(first)!;
            string pathB = parse.GetValue(second)!;
            var algorithm = parse.GetValue(digest) is null ? null : DigestOption.From(parse, digest);
            var givenA = GivenDigest(pathA);
            var givenB = GivenDigest(pathB);
            string? journalPath = parse.GetValue(journal);
            if (journalPath is not null && givenB is not null)
            {
                throw new UsageException($"--journal applies to B, which must then be an image, not the digest {givenB.Value.Text}");
            }

            if (journalPath is not null && !File.Exists(journalPath))
            {
                throw new UsageException($"{journalPath}: no such fixup journal");
            }

            if (givenA is null && givenB is null && algorithm is null)
            {
                return CompareBytes(context, pathA, pathB, parse.GetValue(json), journalPath);
            }

            // By digest: every digest given names its hash, and they must all agree.
            var names = new[] { givenA?.Name, givenB?.Name, algorithm?.Name }.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            if (names.Count > 1)
            {
                throw new UsageException($"{string.Join(" and ", names)} digests cannot be compared with each other (different hashes, not different content); " +
                    "compare an image with a digest, and v2v computes the hash that digest names");
            }

            var hash = algorithm ?? DigestAlgorithm.Find(names[0])
                ?? throw new UsageException($"{names[0]}: unknown digest; v2v computes {string.Join(", ", DigestAlgorithm.All.Select(a => a.Name))}");
            var (digestA, capacityA) = givenA is { } a ? (a.Text, (long?)null) : await DigestOf(context, pathA, hash).ConfigureAwait(false);
            var (digestB, capacityB) = givenB is { } b ? (b.Text, (long?)null) : await DigestOf(context, pathB, hash, journalPath).ConfigureAwait(false);
            bool same = digestA == digestB;
            if (parse.GetValue(json))
            {
                JsonOutput.Write(context.Out, new CompareReport(pathA, pathB, same, null, capacityA, capacityB, digestA, digestB));
            }
            else
            {
                context.Out.WriteLine($"A  {digestA}");
                context.Out.WriteLine($"B  {digestB}");
                context.Out.WriteLine(same ? "contents are identical (same digest)" : "content differs (digests differ)");
            }

            return same ? 0 : 1;
        });
        return command;
    }

    private static int CompareBytes(CliContext context, string pathA, string pathB, bool json, string? journalPath)
    {
        using var a = context.Registry.Open(pathA, SourceOptions.Default);
        using var opened = context.Registry.Open(pathB, SourceOptions.Default);
        var ranges = journalPath is null ? null : JournalRanges.From(journalPath, FixupJournalFile.Read(journalPath, opened.Capacity), opened.Capacity);
        var b = ranges is null ? opened : new UndoneDisk(opened, ranges);
        long? difference = DiskComparer.FirstDifference(a, b, context.Cancellation);
        if (json)
        {
            JsonOutput.Write(context.Out, new CompareReport(a.Path, b.Path, difference is null, difference, a.Capacity, b.Capacity));
        }
        else
        {
            if (a.Capacity != b.Capacity)
            {
                context.Out.WriteLine($"note: capacities differ ({a.Capacity} and {b.Capacity} bytes); the extra part must read as zeros");
            }

            context.Out.WriteLine(difference is not { } at ? (ranges is null ? "images are identical" : $"images are identical but for the {ranges.Count} ranges of {journalPath}")
                : ranges is null ? $"content differs at offset {at}"
                : ranges.Holding(at) is { } range ? $"content differs at offset {at}, inside the journaled range of {range.Length} bytes at {range.Offset}, whose original bytes are not A's: the journal is not of this source"
                : $"content differs at offset {at}, outside the journal's ranges");
        }

        return difference is null ? 0 : 1;
    }

    /// <summary>The argument as a digest, when it reads as one and names no file.</summary>
    private static (string Name, string Text)? GivenDigest(string argument) =>
        !File.Exists(argument) && ContentDigest.TryParse(argument, out string name, out string hex) ? (name, $"{name}:{hex}") : null;

    private static async Task<(string Digest, long? Capacity)> DigestOf(CliContext context, string path, DigestAlgorithm hash, string? journalPath = null)
    {
        using var opened = context.Registry.Open(path, SourceOptions.Default);
        var disk = journalPath is null ? opened : new UndoneDisk(opened, JournalRanges.From(journalPath, FixupJournalFile.Read(journalPath, opened.Capacity), opened.Capacity));
        var result = await BlockPipeline.DigestAsync(disk, disk.Capacity, new PipelineOptions { Digest = hash }, null, context.Cancellation).ConfigureAwait(false);
        return (result.Digest, disk.Capacity);
    }
}
