namespace V2V.Core.Formats;

public enum CheckSeverity
{
    /// <summary>Unusual but harmless: a quirk of a known writer that readers tolerate.</summary>
    Note,

    /// <summary>Damage or a spec violation that other products may refuse.</summary>
    Problem,
}

/// <summary>One thing <c>v2v check</c> found in an image.</summary>
public readonly record struct CheckFinding(CheckSeverity Severity, string Text);
