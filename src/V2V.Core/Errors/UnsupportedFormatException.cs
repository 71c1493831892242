namespace V2V.Core.Errors;

/// <summary>A well-formed input that uses a format or feature V2V does not implement.</summary>
public sealed class UnsupportedFormatException : V2VException
{
    public UnsupportedFormatException(string file, string what) : base($"{file}: {what}") => File = file;

    public string File { get; }
    public override int ExitCode => 2;
}
