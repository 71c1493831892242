namespace V2V.Core.Formats;

/// <summary>A format whose structure <c>v2v check</c> can examine beyond what opening it validates.</summary>
public interface ICheckableFormat
{
    /// <summary>
    /// Everything found in the image. A file too damaged to open is reported as a single problem
    /// rather than an exception, as long as it carries this format's magic.
    /// </summary>
    IReadOnlyList<CheckFinding> Check(string path);
}
