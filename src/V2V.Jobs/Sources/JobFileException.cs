using V2V.Core.Errors;

namespace V2V.Jobs.Sources;

/// <summary>A problem of a job's source that the job file can point at (a missing file, a wrong <c>type</c>); exit code 2.</summary>
public sealed class JobFileException(YamlLocation at, string message) : V2VException(message)
{
    public YamlLocation At { get; } = at;

    public override int ExitCode => 2;
}
