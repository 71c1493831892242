using System.Globalization;
using System.Text.RegularExpressions;
using V2V.Core.Errors;
using V2V.Core.Pipeline;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace V2V.Core.Jobs;

/// <summary>
/// Reads pipeline.yaml into a <see cref="PipelineDocument"/>, collecting every schema error with
/// its line and column rather than stopping at the first: unknown keys, wrong types, missing keys,
/// out-of-range numbers, duplicate job names, relative paths that climb out of the pipeline's
/// folder. YAML syntax errors (tabs, duplicate keys, aliases to undefined anchors) are located too.
/// </summary>
public static partial class PipelineLoader
{
    public const int MaxLength = 4 * 1024 * 1024;
    private static readonly string[] SourceTypes = ["auto", "physical", "raw", "vmdk", "vmx", "ova", "ovf", "xva", "vhd", "vhdx"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex JobName();

    /// <summary>Parses the file; returns the document, or null and the errors.</summary>
    public static PipelineDocument? Load(string file, List<PipelineError> errors)
    {
        string name = Path.GetFileName(file);
        if (!File.Exists(file))
        {
            throw new UsageException($"{file}: no such pipeline file");
        }

        if (new FileInfo(file).Length > MaxLength)
        {
            errors.Add(new PipelineError(new YamlLocation(name, 1, 1), $"a pipeline of {new FileInfo(file).Length} bytes is too large"));
            return null;
        }

        string text = File.ReadAllText(file);
        var stream = new YamlStream();
        try
        {
            // Limits first, on the event stream: building the tree is where depth and aliases cost.
            if (YamlBudget.Check(text) is { } over)
            {
                errors.Add(new PipelineError(new YamlLocation(name, over.Line, over.Column), over.Message));
                return null;
            }

            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            // YamlDotNet places a tab in an indentation at 1:1; find it ourselves (aliases were checked by YamlBudget).
            var at = e.Start.Line == 1 && e.Start.Column == 1 ? Locate(text) ?? (1, 1) : (e.Start.Line, e.Start.Column);
            errors.Add(new PipelineError(new YamlLocation(name, at.Item1, at.Item2), e.Message));
            return null;
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            errors.Add(new PipelineError(new YamlLocation(name, 1, 1), "a pipeline is one YAML mapping with version and jobs"));
            return null;
        }

        var reader = new Reader(name, Path.GetDirectoryName(Path.GetFullPath(file))!, errors);
        return reader.Document(root, file);
    }

    /// <summary>The line and column of the first tab in an indentation (YamlDotNet places that error at 1:1).</summary>
    private static (long, long)? Locate(string text)
    {
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            int tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
            if (tab >= 0 && tab < indent)
            {
                return (i + 1, tab + 1);
            }
        }

        return null;
    }

    private sealed class Reader(string file, string folder, List<PipelineError> errors)
    {
        public YamlLocation At(YamlNode node) => new(file, node.Start.Line, node.Start.Column);

        private void Error(YamlNode node, string message) => errors.Add(new PipelineError(At(node), message));

        public PipelineDocument? Document(YamlMappingNode root, string path)
        {
            var keys = Keys(root, ["version", "parallel", "defaults", "jobs"]);
            if (!keys.TryGetValue("version", out var version))
            {
                Error(root, "missing \"version: 1\"");
            }
            else if (Int(version, 1, 1) is null)
            {
                return null;
            }

            int parallel = keys.TryGetValue("parallel", out var p) ? Int(p, 1, 64) ?? 1 : 1;
            var defaults = new JobDefaults(false, false);
            if (keys.TryGetValue("defaults", out var d))
            {
                if (d is YamlMappingNode mapping)
                {
                    var fields = Keys(mapping, ["verify", "overwrite", "digest"]);
                    defaults = new JobDefaults(
                        fields.TryGetValue("verify", out var v) ? Bool(v) ?? false : false,
                        fields.TryGetValue("overwrite", out var o) ? Bool(o) ?? false : false,
                        fields.TryGetValue("digest", out var h) ? Digest(h) : null);
                }
                else
                {
                    Error(d, "defaults must be a mapping (verify, overwrite, digest)");
                }
            }

            var jobs = new List<JobSpec>();
            if (!keys.TryGetValue("jobs", out var jobsNode))
            {
                Error(root, "missing \"jobs:\" (a list of jobs)");
            }
            else if (jobsNode is not YamlSequenceNode list || list.Children.Count == 0)
            {
                Error(jobsNode, "jobs must be a non-empty list");
            }
            else
            {
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var item in list.Children)
                {
                    if (Job(item, defaults) is { } job)
                    {
                        if (!names.Add(job.Name))
                        {
                            Error(item, $"job name \"{job.Name}\" is used twice");
                        }

                        jobs.Add(job);
                    }
                }
            }

            return new PipelineDocument(path, parallel, defaults, jobs);
        }

        private JobSpec? Job(YamlNode node, JobDefaults defaults)
        {
            if (node is not YamlMappingNode mapping)
            {
                Error(node, "a job must be a mapping (name, source, chain)");
                return null;
            }

            var keys = Keys(mapping, ["name", "source", "chain", "verify", "overwrite", "digest", "hyperv"]);
            string? name = keys.TryGetValue("name", out var n) ? Text(n) : null;
            if (name is null)
            {
                Error(mapping, "job without a name");
            }
            else if (!JobName().IsMatch(name))
            {
                Error(n!, $"job name \"{name}\" must be 1–64 letters, digits, '.', '_' or '-'");
            }

            SourceSpec? source = null;
            if (!keys.TryGetValue("source", out var s))
            {
                Error(mapping, $"job \"{name}\" has no source");
            }
            else
            {
                source = Source(s);
            }

            var chain = new List<StepSpec>();
            if (!keys.TryGetValue("chain", out var c))
            {
                Error(mapping, $"job \"{name}\" has no chain (the outputs to write)");
            }
            else if (c is not YamlSequenceNode steps || steps.Children.Count == 0)
            {
                Error(c, "chain must be a non-empty list of steps");
            }
            else
            {
                foreach (var step in steps.Children)
                {
                    if (Step(step) is { } parsed)
                    {
                        chain.Add(parsed);
                    }
                }

                if (chain.Count == steps.Children.Count && chain.All(step => !step.Keep))
                {
                    Error(c, "every step has keep: false; at least one output must be kept");
                }
            }

            bool verify = keys.TryGetValue("verify", out var v) ? Bool(v) ?? defaults.Verify : defaults.Verify;
            bool overwrite = keys.TryGetValue("overwrite", out var o) ? Bool(o) ?? defaults.Overwrite : defaults.Overwrite;
            var digest = keys.TryGetValue("digest", out var hash) ? Digest(hash) : defaults.Digest;
            var hyperV = keys.TryGetValue("hyperv", out var h) ? HyperV(h) : null;
            return name is null || source is null ? null : new JobSpec(name, source, chain, verify, overwrite, At(mapping), hyperV, digest);
        }

        private HyperVSettings? HyperV(YamlNode node)
        {
            if (node is not YamlMappingNode mapping)
            {
                Error(node, "hyperv must be a mapping (generation, switch-map, default-switch, memory, static-mac, vm-folder, apply, host)");
                return null;
            }

            var keys = Keys(mapping, ["generation", "switch-map", "default-switch", "memory", "static-mac", "vm-folder", "apply", "host"]);
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            if (keys.TryGetValue("switch-map", out var m))
            {
                if (m is YamlMappingNode pairs)
                {
                    foreach (var (from, to) in pairs.Children)
                    {
                        if (Text(from) is { } network && Text(to) is { } @switch)
                        {
                            map[network] = @switch;
                        }
                    }
                }
                else
                {
                    Error(m, "switch-map must map source network names to Hyper-V switch names");
                }
            }

            return new HyperVSettings(
                keys.TryGetValue("generation", out var g) ? Int(g, 1, 2) : null,
                map,
                keys.TryGetValue("default-switch", out var d) ? Text(d) : null,
                keys.TryGetValue("memory", out var mem) ? Size(mem) : null,
                !keys.TryGetValue("static-mac", out var sm) || (Bool(sm) ?? true),
                keys.TryGetValue("vm-folder", out var f) ? Text(f) : null,
                keys.TryGetValue("apply", out var a) && (Bool(a) ?? false),
                keys.TryGetValue("host", out var host) ? Text(host) : null);
        }

        private SourceSpec? Source(YamlNode node)
        {
            if (node is not YamlMappingNode mapping)
            {
                Error(node, "source must be a mapping (type, path)");
                return null;
            }

            var keys = Keys(mapping, ["type", "path"]);
            string type = keys.TryGetValue("type", out var t) ? Text(t) ?? "auto" : "auto";
            if (!SourceTypes.Contains(type, StringComparer.Ordinal))
            {
                Error(t!, $"unknown source type \"{type}\" (known: {string.Join(", ", SourceTypes)})");
                return null;
            }

            if (!keys.TryGetValue("path", out var p) || Text(p) is not { Length: > 0 } path)
            {
                Error(mapping, "source has no path");
                return null;
            }

            return new SourceSpec(type, Resolve(p, path), At(mapping), At(p));
        }

        private StepSpec? Step(YamlNode node)
        {
            if (node is not YamlMappingNode mapping)
            {
                Error(node, "a chain step must be a mapping (format, path, ...)");
                return null;
            }

            var keys = Keys(mapping, ["format", "subformat", "block-size", "sector-size", "path", "keep"]);
            string? format = keys.TryGetValue("format", out var f) ? Text(f) : null;
            if (format is null)
            {
                Error(mapping, "step has no format (vhdx, vhd, vmdk, raw)");
            }

            long? blockSize = keys.TryGetValue("block-size", out var b) ? Size(b) : null;
            int? sectorSize = keys.TryGetValue("sector-size", out var ss) ? Int(ss, 512, 4096) : null;
            if (sectorSize is not (null or 512 or 4096))
            {
                Error(ss!, "sector-size must be 512 or 4096");
            }

            bool keep = !keys.TryGetValue("keep", out var k) || (Bool(k) ?? true);
            if (!keys.TryGetValue("path", out var p) || Text(p) is not { Length: > 0 } path)
            {
                Error(mapping, "step has no path");
                return null;
            }

            return format is null ? null : new StepSpec(format, keys.TryGetValue("subformat", out var sub) ? Text(sub) : null, blockSize, sectorSize, Resolve(p, path), keep, At(mapping), At(p));
        }

        /// <summary>
        /// Relative paths are relative to the pipeline's folder and must stay in it; a path that
        /// climbs out with ".." must be written as an absolute path, so the user named the place.
        /// </summary>
        private string Resolve(YamlNode node, string path)
        {
            if (Path.IsPathRooted(path) || path.StartsWith("/dev/", StringComparison.Ordinal))
            {
                return path;
            }

            string full = Path.GetFullPath(Path.Combine(folder, path));
            if (!full.StartsWith(Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                Error(node, $"\"{path}\" leads outside the pipeline's folder; write an absolute path if that is meant");
            }

            return full;
        }

        private Dictionary<string, YamlNode> Keys(YamlMappingNode mapping, string[] allowed)
        {
            var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (key, value) in mapping.Children)
            {
                string name = (key as YamlScalarNode)?.Value ?? "";
                if (!allowed.Contains(name, StringComparer.Ordinal))
                {
                    Error(key, $"unknown key \"{name}\" (expected one of: {string.Join(", ", allowed)})");
                    continue;
                }

                result[name] = value;
            }

            return result;
        }

        private string? Text(YamlNode node)
        {
            if (node is YamlScalarNode { Value: { } value })
            {
                return value;
            }

            Error(node, "expected a plain value here");
            return null;
        }

        private int? Int(YamlNode node, int min, int max)
        {
            if (Text(node) is not { } text)
            {
                return null;
            }

            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            {
                Error(node, $"\"{text}\" is not a whole number from {min} to {max}");
                return null;
            }

            return value;
        }

        private DigestAlgorithm? Digest(YamlNode node)
        {
            var text = Text(node);
            var algorithm = text is null ? null : DigestAlgorithm.Find(text);
            if (text is not null && algorithm is null)
            {
                Error(node, $"unknown digest \"{text}\" (known: {string.Join(", ", DigestAlgorithm.All.Select(a => a.Name))})");
            }

            return algorithm;
        }

        private bool? Bool(YamlNode node)
        {
            switch (Text(node))
            {
                case "true" or "yes" or "on":
                    return true;
                case "false" or "no" or "off":
                    return false;
                case { } other:
                    Error(node, $"\"{other}\" is not true or false");
                    return null;
                default:
                    return null;
            }
        }

        private long? Size(YamlNode node)
        {
            if (Text(node) is not { } text)
            {
                return null;
            }

            if (ByteSize.TryParse(text) is { } value)
            {
                return value;
            }

            Error(node, $"\"{text}\" is not a size (examples: 1048576, 1MiB, 32MiB)");
            return null;
        }
    }
}
