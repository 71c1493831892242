namespace V2V.Core.Errors;

/// <summary>A request the user made that cannot be carried out as asked (bad option value, target exists, ...).</summary>
public sealed class UsageException : V2VException
{
    public UsageException(string message) : base(message) { }

    public override int ExitCode => 2;
}
