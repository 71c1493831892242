namespace V2V.Core.Errors;

/// <summary>A path read from an untrusted file that points outside the folder of the file naming it.</summary>
public sealed class UnsafePathException : V2VException
{
    public UnsafePathException(string file, string path, string why)
        : base($"{file}: refusing path \"{path}\": {why}")
    {
        File = file;
        Path = path;
        Why = why;
    }

    /// <summary>Why the path was refused, without the file and path.</summary>
    public string Why { get; }

    public string File { get; }
    public string Path { get; }
    public override int ExitCode => 2;
}
