using V2V.Core.Errors;

namespace V2V.Cli;

/// <summary>
/// The CLI's wording of refusals whose remedy is one of its own flags: Core's exceptions say what
/// is wrong, and the CLI adds what the user can (or cannot) pass about it.
/// </summary>
internal static class CliMessages
{
    /// <summary>The text after "error: " for <paramref name="e"/>.</summary>
    public static string Line(V2VException e) => e switch
    {
        OutputExistsException => $"{e.Message} (use --force to overwrite)",
        OutputIsReadException => $"{e.Message} (--force or overwrite does not change that)",
        _ => e.Message,
    };
}
