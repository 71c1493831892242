namespace V2V.Core.Errors;

/// <summary>
/// Root of every error V2V reports on purpose. The message is the one line the CLI
/// prints after "error: ", so it must name the file and what is wrong with it. Control characters
/// that came with names from the input are escaped (<see cref="Printable"/>).
/// </summary>
public abstract class V2VException : Exception
{
    protected V2VException(string message, Exception? inner = null) : base(Printable.Line(message), inner) { }

    /// <summary>Process exit code for this kind of error (see the CLI contract).</summary>
    public abstract int ExitCode { get; }
}
