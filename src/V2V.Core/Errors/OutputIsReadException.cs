namespace V2V.Core.Errors;

/// <summary>
/// An output that is a file the run reads (same device and inode, or same full path); exit 2.
/// Allowing overwrites does not change it, which each front end says in its own terms.
/// </summary>
public sealed class OutputIsReadException : V2VException
{
    public OutputIsReadException(string problem) : base(problem) { }

    public override int ExitCode => 2;
}
