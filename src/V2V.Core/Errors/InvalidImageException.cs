namespace V2V.Core.Errors;

/// <summary>An image or package whose bytes break its format: wrong magic, bad checksum, an offset out of bounds.</summary>
public sealed class InvalidImageException : V2VException
{
    public InvalidImageException(string file, string problem, Exception? inner = null)
        : base($"{file}: {problem}", inner)
        => File = file;

    public string File { get; }
    public override int ExitCode => 2;
}
