using YamlDotNet.RepresentationModel;

namespace V2V.Jobs.Loading;

/// <summary>The reading of one job file: its name for messages, its folder for relative paths, the problems found so far.</summary>
internal sealed class JobFileContext(string file, string folder, List<JobFileError> errors)
{
    public YamlLocation At(YamlNode node) => new(file, node.Start.Line, node.Start.Column);

    public void Error(YamlNode node, string message) => errors.Add(new JobFileError(At(node), message));

    public YamlValue Value(YamlNode node) => new(node, this);

    public string Resolve(YamlNode node, string path)
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
}
