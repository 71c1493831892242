using System.Text.RegularExpressions;
using V2V.Jobs.Sources;

namespace V2V.Jobs.Loading;

/// <summary>One item of <c>jobs:</c> — name, source, chain, the per-job settings, and the sections registered outside the loader.</summary>
internal static partial class JobReader
{
    private static readonly string[] OwnKeys = ["name", "source", "chain", "verify", "overwrite", "digest"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex JobName();

    public static JobSpec? Read(YamlValue value, JobDefaults defaults, JobRegistry registry)
    {
        if (value.Fields("a job must be a mapping (name, source, chain)", [.. OwnKeys, .. registry.Sections.Select(s => s.Key)]) is not { } keys)
        {
            return null;
        }

        string? name = keys.TryGet("name", out var n) ? n.Text() : null;
        if (name is null)
        {
            keys.Error("job without a name");
        }
        else if (!JobName().IsMatch(name))
        {
            n!.Error($"job name \"{name}\" must be 1–64 letters, digits, '.', '_' or '-'");
        }

        SourceSpec? source = null;
        if (!keys.TryGet("source", out var s))
        {
            keys.Error($"job \"{name}\" has no source");
        }
        else
        {
            source = SourceReader.Read(s, registry.Sources);
        }

        var chain = new List<StepSpec>();
        if (!keys.TryGet("chain", out var c))
        {
            keys.Error($"job \"{name}\" has no chain (the outputs to write)");
        }
        else if (c.NonEmptyList("chain must be a non-empty list of steps") is { } steps)
        {
            foreach (var step in steps)
            {
                if (StepReader.Read(step) is { } parsed)
                {
                    chain.Add(parsed);
                }
            }

            if (chain.Count == steps.Count && chain.All(step => !step.Keep))
            {
                c.Error("every step has keep: false; at least one output must be kept");
            }
        }

        bool verify = keys.TryGet("verify", out var v) ? v.Bool() ?? defaults.Verify : defaults.Verify;
        bool overwrite = keys.TryGet("overwrite", out var o) ? o.Bool() ?? defaults.Overwrite : defaults.Overwrite;
        var digest = keys.TryGet("digest", out var hash) ? hash.Digest() : defaults.Digest;
        var sections = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var section in registry.Sections)
        {
            if (keys.TryGet(section.Key, out var node) && section.Read(node) is { } settings)
            {
                sections[section.Key] = settings;
            }
        }

        return name is null || source is null ? null : new JobSpec(name, source, chain, verify, overwrite, keys.At, digest, sections);
    }
}
