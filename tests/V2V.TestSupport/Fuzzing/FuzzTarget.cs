namespace V2V.TestSupport.Fuzzing;

/// <summary>One v2v command line for an input at <c>file</c>, writing into <c>outFolder</c>.</summary>
/// <param name="StopOnFailure">Later verbs are skipped when this one does not exit 0.</param>
public sealed record FuzzVerb(Func<string, string, IEnumerable<string>> Arguments, bool StopOnFailure = false)
{
    public static readonly FuzzVerb Info = new((file, _) => ["info", file]);
    public static readonly FuzzVerb Check = new((file, _) => ["check", file]);
    public static readonly FuzzVerb ConvertDisk = new((file, output) => ["convert", file, Path.Combine(output, "target.vhdx"), "--no-sync"]);
    public static readonly FuzzVerb ConvertVm = new((file, output) => ["convert", file, output, "--no-sync"]);
    public static readonly FuzzVerb DryRun = new((file, _) => ["run", file, "--dry-run", "--no-progress"], StopOnFailure: true);
    public static readonly FuzzVerb Run = new((file, _) => ["run", file, "--no-progress", "--no-sync"]);
    public static readonly FuzzVerb Inspect = new((file, _) => ["inspect", file]);
    public static readonly FuzzVerb ConvertWithFixups = new((file, output) => ["convert", file, Path.Combine(output, "target.vhdx"), "--fixups", "auto", "--no-sync"]);

    /// <summary><c>v2v guest VERB IMAGE ARGS...</c> (ls, cat, reg).</summary>
    public static FuzzVerb Guest(string verb, params string[] arguments) => new((file, _) => ["guest", verb, file, .. arguments]);

    public static readonly IReadOnlyList<FuzzVerb> Disk = [Info, Check, ConvertDisk];
    public static readonly IReadOnlyList<FuzzVerb> Vm = [Info, Check, ConvertVm];
}

/// <summary>
/// A parser under fuzz: the file the mutated bytes become (<see cref="FileName"/>, after
/// <see cref="Pack"/> — e.g. an OVF put back into its tar with a fixed manifest), the files beside it,
/// its seeds and the verbs run on every input. <see cref="Strict"/>: a bug-class exception thrown
/// through the guest readers fails the input even when inspection absorbed it as a finding.
/// </summary>
public sealed record FuzzTarget(
    string Name,
    string FileName,
    IReadOnlyList<byte[]> Seeds,
    IReadOnlyList<FuzzVerb> Verbs,
    bool Text = false,
    IReadOnlyDictionary<string, byte[]>? Beside = null,
    Func<byte[], byte[]>? Packer = null,
    Func<byte[], IReadOnlyList<FuzzVerb>>? VerbsFor = null,
    bool Strict = false)
{
    public IEnumerable<KeyValuePair<string, byte[]>> Companions => Beside ?? new Dictionary<string, byte[]>();

    public byte[] Pack(byte[] input) => Packer is null ? input : Packer(input);

    public IReadOnlyList<FuzzVerb> VerbsOf(byte[] input) => VerbsFor is null ? Verbs : VerbsFor(input);
}
