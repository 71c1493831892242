using System.CommandLine;
using V2V.Core.Pipeline;

namespace V2V.Cli.Commands;

/// <summary>The <c>--digest NAME</c> option of every verb that computes content digests.</summary>
internal static class DigestOption
{
    public static Option<string?> Create() => new("--digest")
    {
        Description = $"Hash of the content digest: {string.Join(", ", DigestAlgorithm.All.Select(a => $"{a.Name}{(a == DigestAlgorithm.Default ? " (default)" : "")}{(a.Cryptographic ? " (cryptographic)" : "")}"))}",
    };

    /// <summary>The algorithm named on the command line, or the default.</summary>
    public static DigestAlgorithm From(ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) is { } name ? DigestAlgorithm.Parse(name, "--digest") : DigestAlgorithm.Default;
}
