using V2V.Core.Formats;

namespace V2V.Cli;

/// <summary>What every verb needs: the formats, where to write, and the Ctrl-C token.</summary>
/// <param name="ProgressAllowed">True when stderr is a terminal, so a progress bar can be drawn.</param>
public sealed record CliContext(FormatRegistry Registry, TextWriter Out, TextWriter Error, bool ProgressAllowed, CancellationToken Cancellation);
