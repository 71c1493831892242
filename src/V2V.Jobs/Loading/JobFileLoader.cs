using V2V.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace V2V.Jobs.Loading;

/// <summary>
/// Reads a job file (pipeline.yaml) into a <see cref="JobFile"/>, collecting every schema error with
/// its line and column rather than stopping at the first: unknown keys, wrong types, missing keys,
/// out-of-range numbers, duplicate job names, relative paths that climb out of the file's folder.
/// YAML syntax errors (tabs, duplicate keys, aliases to undefined anchors) are located too. The
/// top level is read here; each section by its own reader (<see cref="DefaultsReader"/>,
/// <see cref="JobReader"/>, <see cref="SourceReader"/>, <see cref="StepReader"/>) and by the
/// sections and source providers of the <see cref="JobRegistry"/>.
/// </summary>
public static class JobFileLoader
{
    /// <summary>Largest job file read, in bytes.</summary>
    public const int MaxLength = 4 * 1024 * 1024;

    private static readonly string[] TopKeys = ["version", "parallel", "defaults", "jobs"];

    /// <summary>Parses the file; returns the job file, or null and the errors.</summary>
    /// <exception cref="UsageException">The file does not exist.</exception>
    public static JobFile? Load(string file, JobRegistry registry, List<JobFileError> errors)
    {
        string name = Path.GetFileName(file);
        if (!File.Exists(file))
        {
            throw new UsageException($"{file}: no such pipeline file");
        }

        if (new FileInfo(file).Length > MaxLength)
        {
            errors.Add(new JobFileError(new YamlLocation(name, 1, 1), $"a pipeline of {new FileInfo(file).Length} bytes is too large"));
            return null;
        }

        string text = File.ReadAllText(file);
        var stream = new YamlStream();
        try
        {
            // Limits first, on the event stream: building the tree is where depth and aliases cost.
            if (YamlBudget.Check(text) is { } over)
            {
                errors.Add(new JobFileError(new YamlLocation(name, over.Line, over.Column), over.Message));
                return null;
            }

            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            // YamlDotNet places a tab in an indentation at 1:1; find it ourselves (aliases were checked by YamlBudget).
            var at = e.Start.Line == 1 && e.Start.Column == 1 ? Locate(text) ?? (1, 1) : (e.Start.Line, e.Start.Column);
            errors.Add(new JobFileError(new YamlLocation(name, at.Item1, at.Item2), e.Message));
            return null;
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            errors.Add(new JobFileError(new YamlLocation(name, 1, 1), "a pipeline is one YAML mapping with version and jobs"));
            return null;
        }

        var context = new JobFileContext(name, Path.GetDirectoryName(Path.GetFullPath(file))!, errors);
        return Document(context.Value(root), file, registry);
    }

    private static JobFile? Document(YamlValue root, string path, JobRegistry registry)
    {
        var keys = root.Fields("", TopKeys)!;
        if (!keys.TryGet("version", out var version))
        {
            root.Error("missing \"version: 1\"");
        }
        else if (version.Number(1, 1) is null)
        {
            return null;
        }

        int parallel = keys.TryGet("parallel", out var p) ? p.Number(1, 64) ?? 1 : 1;
        var defaults = keys.TryGet("defaults", out var d) ? DefaultsReader.Read(d) : new JobDefaults(false, false);
        var jobs = new List<JobSpec>();
        if (!keys.TryGet("jobs", out var jobsNode))
        {
            root.Error("missing \"jobs:\" (a list of jobs)");
        }
        else if (jobsNode.NonEmptyList("jobs must be a non-empty list") is { } list)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in list)
            {
                if (JobReader.Read(item, defaults, registry) is { } job)
                {
                    if (!names.Add(job.Name))
                    {
                        item.Error($"job name \"{job.Name}\" is used twice");
                    }

                    jobs.Add(job);
                }
            }
        }

        return new JobFile(path, parallel, defaults, jobs);
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
}
