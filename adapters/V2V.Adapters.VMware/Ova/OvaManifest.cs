using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using V2V.Core.Errors;

namespace V2V.Adapters.VMware.Ova;

/// <summary>An OVF manifest (.mf): one <c>SHA1(file)= hex</c> or <c>SHA256(file)= hex</c> line per file.</summary>
public sealed partial class OvaManifest
{
    public const int MaxLength = 1024 * 1024;

    private OvaManifest(Dictionary<string, (HashAlgorithmName Algorithm, string Hex)> entries) => Entries = entries;

    public IReadOnlyDictionary<string, (HashAlgorithmName Algorithm, string Hex)> Entries { get; }

    [GeneratedRegex(@"^(SHA1|SHA256|SHA512)\s*\((.+)\)\s*=\s*([0-9a-fA-F]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Line();

    /// <summary>
    /// The manifest without its entry for itself (an appliance build's <c>sha256sum --tag *</c>
    /// lists the .mf too, with whatever it held then): such an entry cannot be checked.
    /// </summary>
    public OvaManifest WithoutSelf(string manifestName, out bool listedItself)
    {
        listedItself = Entries.ContainsKey(manifestName);
        return listedItself ? new OvaManifest(Entries.Where(e => e.Key != manifestName).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal)) : this;
    }

    /// <summary>The note shown when a manifest listed itself.</summary>
    public static string SelfListedNote(string manifestName) =>
        $"the manifest \"{manifestName}\" lists itself, which no manifest can check; that entry was ignored (every other entry was checked)";

    /// <summary>The warning every VM of a package carries when its manifest was skipped on request.</summary>
    /// <param name="manifestName">The manifest's member name, or null when none was met before the disks (a stream).</param>
    public static string SkippedNote(string? manifestName) => manifestName is null
        ? "skip-manifest-check: no member was hashed against a manifest (a manifest after the disks would not have been checked either); the content digest proves only that the outputs hold what was read"
        : $"the manifest \"{manifestName}\" was not checked (skip-manifest-check): no member was hashed against it; the content digest proves only that the outputs hold what was read";

    public static OvaManifest Parse(string name, byte[] content)
    {
        var entries = new Dictionary<string, (HashAlgorithmName, string)>(StringComparer.Ordinal);
        int number = 0;
        foreach (var raw in Encoding.UTF8.GetString(content).Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var match = Line().Match(line);
            if (!match.Success)
            {
                throw new InvalidImageException(name, $"manifest line {number} is not \"SHA1(file)= hex\" or \"SHA256(file)= hex\"");
            }

            var algorithm = match.Groups[1].Value switch
            {
                "SHA1" => HashAlgorithmName.SHA1,
                "SHA256" => HashAlgorithmName.SHA256,
                _ => HashAlgorithmName.SHA512,
            };
            entries[match.Groups[2].Value] = (algorithm, match.Groups[3].Value.ToLowerInvariant());
        }

        return new OvaManifest(entries);
    }
}
