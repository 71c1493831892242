using System.CommandLine;
using V2V.Core.Conversion;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Pipeline;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v compare A B</c>: content comparison; exit 0 when identical, 1 at the first difference.
/// A or B may also be a printed digest (<c>NAME:HEX</c>): the image is then digested with the hash
/// that digest names, so a digest made with any of V2V's hashes stays comparable; two digests made
/// with different hashes are refused as incomparable, never reported as different content.
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
        var command = new Command("compare", "Compare the content of two images, whatever their formats") { first, second, json, digest };

        command.SetAction(async (parse, _) =>
        {
            string pathA = parse.GetValue(first)!;
            string pathB = parse.GetValue(second)!;
            var algorithm = parse.GetValue(digest) is null ? null : DigestOption.From(parse, digest);
            var givenA = GivenDigest(pathA);
            var givenB = GivenDigest(pathB);
            if (givenA is null && givenB is null && algorithm is null)
            {
                return CompareBytes(context, pathA, pathB, parse.GetValue(json));
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
            var (digestB, capacityB) = givenB is { } b ? (b.Text, (long?)null) : await DigestOf(context, pathB, hash).ConfigureAwait(false);
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

    private static int CompareBytes(CliContext context, string pathA, string pathB, bool json)
    {
        using var a = context.Registry.Open(pathA, SourceOptions.Default);
        using var b = context.Registry.Open(pathB, SourceOptions.Default);
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

            context.Out.WriteLine(difference is { } at ? $"content differs at offset {at}" : "images are identical");
        }

        return difference is null ? 0 : 1;
    }

    /// <summary>The argument as a digest, when it reads as one and names no file.</summary>
    private static (string Name, string Text)? GivenDigest(string argument) =>
        !File.Exists(argument) && ContentDigest.TryParse(argument, out string name, out string hex) ? (name, $"{name}:{hex}") : null;

    private static async Task<(string Digest, long? Capacity)> DigestOf(CliContext context, string path, DigestAlgorithm hash)
    {
        using var disk = context.Registry.Open(path, SourceOptions.Default);
        var result = await BlockPipeline.DigestAsync(disk, disk.Capacity, new PipelineOptions { Digest = hash }, null, context.Cancellation).ConfigureAwait(false);
        return (result.Digest, disk.Capacity);
    }
}
