namespace V2V.Core.Formats;

/// <summary>
/// Collects findings while a parser works, keeping the first hundred: a damaged table with millions
/// of bad entries must not turn into millions of messages held in memory.
/// </summary>
public sealed class CheckFindings
{
    private const int Kept = 100;
    private readonly List<CheckFinding> _findings = [];
    private long _dropped;
    private bool _droppedProblem;

    public void Add(CheckSeverity severity, string text)
    {
        if (_findings.Count < Kept)
        {
            _findings.Add(new CheckFinding(severity, text));
            return;
        }

        _dropped++;
        _droppedProblem |= severity == CheckSeverity.Problem;
    }

    public IReadOnlyList<CheckFinding> ToList() => _dropped == 0
        ? [.. _findings]
        : [.. _findings, new CheckFinding(_droppedProblem ? CheckSeverity.Problem : CheckSeverity.Note, $"... and {_dropped} more")];
}
