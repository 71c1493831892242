using V2V.Core.Errors;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>The names <c>--route</c> and a job file's <c>route:</c> give a <see cref="VSphereRoute"/>.</summary>
public static class VSphereRouteName
{
    /// <summary>"datastore" and "export", the default first.</summary>
    public static IReadOnlyList<string> All { get; } = ["datastore", "export"];

    public static VSphereRoute? TryParse(string text) => text switch
    {
        "datastore" => VSphereRoute.Datastore,
        "export" => VSphereRoute.Export,
        _ => null,
    };

    /// <exception cref="UsageException">Not one of <see cref="All"/>.</exception>
    public static VSphereRoute Parse(string text, string option) =>
        TryParse(text) ?? throw new UsageException($"{option} \"{text}\": the vSphere routes are {string.Join(" and ", All)}");
}
