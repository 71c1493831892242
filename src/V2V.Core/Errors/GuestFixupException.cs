namespace V2V.Core.Errors;

/// <summary>
/// A guest fixup the user required (<c>--fixups on</c>) or asked for (<c>v2v fix</c>) is needed
/// and could not be applied: the message names the target and why. Exit code 4.
/// </summary>
public sealed class GuestFixupException(string message) : V2VException(message)
{
    public override int ExitCode => 4;
}
