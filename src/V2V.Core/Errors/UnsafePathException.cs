namespace V2V.Core.Errors;

/// <summary>A path read from an untrusted file that points outside the folder of the file naming it.</summary>
public sealed class UnsafePathException : V2VException
{
    public UnsafePathException(string file, string path, string why)
        : base($"{file}: refusing path \"{path}\": {why}")
    {
        File = file;
        Path = path;
    }

    public string File { get; }
    public string Path { get; }
    public override int ExitCode => 2;
}
