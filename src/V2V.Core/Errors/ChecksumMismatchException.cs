namespace V2V.Core.Errors;

/// <summary>Data whose checksum or digest does not match the value it was declared or expected to have.</summary>
public sealed class ChecksumMismatchException : V2VException
{
    public ChecksumMismatchException(string file, string what, string expected, string actual)
        : base($"{file}: {what} mismatch (expected {expected}, got {actual})")
        => File = file;

    public string File { get; }
    public override int ExitCode => 2;
}
