using V2V.Core.Disks;
using V2V.Core.Errors;

namespace V2V.Core.Output;

/// <summary>
/// Every file a run reads — sources, descriptors, extents, parents, package members' files, the
/// pipeline file, the report — known by identity (<see cref="FileIdentity"/>), so that no output
/// is ever one of them, whatever its spelling, links, or <c>--force</c>. Outputs are checked when
/// they are planned and again just before each is renamed into place. Safe for concurrent use.
/// </summary>
public sealed class FilesRead
{
    private readonly Dictionary<FileIdentity, (string Path, string Role)> _byIdentity = [];
    private readonly Dictionary<string, (string Path, string Role)> _byPath = new(PathComparer);

    /// <summary>How full paths name the same file when identity cannot tell (a file not there yet): Windows ignores letter case.</summary>
    public static StringComparer PathComparer { get; } = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    public FilesRead()
    {
    }

    public FilesRead(IEnumerable<string> paths, string role = "this run reads")
    {
        AddRange(paths, role);
    }

    /// <summary>Records a file the run reads; <paramref name="role"/> ends "which ..." in messages ("job \"web01\" reads").</summary>
    public void Add(string path, string role = "this run reads")
    {
        string full = System.IO.Path.GetFullPath(path);
        var identity = FileIdentity.Of(full);
        lock (_byPath)
        {
            _byPath.TryAdd(full, (path, role));
            if (identity is { } id)
            {
                _byIdentity.TryAdd(id, (path, role));
            }
        }
    }

    public void AddRange(IEnumerable<string> paths, string role = "this run reads")
    {
        foreach (string path in paths)
        {
            Add(path, role);
        }
    }

    /// <summary>The read file that <paramref name="path"/> is (same identity, or same full path), or null.</summary>
    public (string Path, string Role)? Match(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        var identity = FileIdentity.Of(full);
        lock (_byPath)
        {
            if (identity is { } id && _byIdentity.TryGetValue(id, out var byIdentity))
            {
                return byIdentity;
            }

            return _byPath.TryGetValue(full, out var byPath) ? byPath : null;
        }
    }

    /// <summary>
    /// Why writing <paramref name="output"/> would overwrite a file the run reads, or null when it
    /// would not. Allowing overwrites does not change it; the front end says so in its own terms.
    /// </summary>
    public string? Problem(string output) =>
        Match(output) is { } read
            ? $"{output}: this output is the same file as {read.Path}, which {read.Role}; V2V never writes its source"
            : null;

    /// <summary>Throws <see cref="OutputIsReadException"/> (exit 2) when <paramref name="output"/> is a file the run reads.</summary>
    public void Refuse(string output)
    {
        if (Problem(output) is { } problem)
        {
            throw new OutputIsReadException(problem);
        }
    }
}
