using V2V.Core.Errors;

namespace V2V.Jobs.Sources;

/// <summary>
/// A problem of a job's source that the job file can point at (a missing file, a wrong <c>type</c>,
/// a vSphere login refused at <c>user</c>); exit code 2, or the cause's (3 for a server that failed).
/// </summary>
public sealed class JobFileException(YamlLocation at, string message, int exitCode = 2, Exception? inner = null) : V2VException(message, inner)
{
    public YamlLocation At { get; } = at;

    public override int ExitCode => exitCode;
}
