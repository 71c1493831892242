namespace V2V.Core.Errors;

/// <summary>An external program V2V drove exited with an error.</summary>
public sealed class ToolFailureException : V2VException
{
    public ToolFailureException(string tool, int toolExitCode, string detail)
        : base($"{tool} failed with exit code {toolExitCode}: {detail}")
    {
        Tool = tool;
        ToolExitCode = toolExitCode;
    }

    public string Tool { get; }
    public int ToolExitCode { get; }
    public override int ExitCode => 3;
}
