namespace V2V.Core.Errors;

/// <summary>
/// An output that exists where the request did not allow replacing it (exit 2). The message does
/// not say how to allow it: each front end words its own setting (the CLI's flag, a job file's key).
/// </summary>
public sealed class OutputExistsException : V2VException
{
    public OutputExistsException(string path) : base($"{path}: target exists") => Path = path;

    /// <summary>The full path of the existing output.</summary>
    public string Path { get; }

    public override int ExitCode => 2;
}
