using System.Xml.Linq;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>The managers a session uses, from RetrieveServiceContent.</summary>
public sealed record ServiceContent(MoRef RootFolder, MoRef PropertyCollector, MoRef ViewManager, MoRef SearchIndex, MoRef SessionManager, string ApiType, string ApiVersion)
{
    internal static ServiceContent Read(XElement content, VimClient client)
    {
        MoRef Need(string name) => MoRef.From(content.Child(name)) ?? throw client.Malformed($"the service content names no {name}");
        var about = content.Child("about");
        return new ServiceContent(Need("rootFolder"), Need("propertyCollector"), Need("viewManager"), Need("searchIndex"), Need("sessionManager"),
            about?.ChildValue("apiType") ?? "", about?.ChildValue("apiVersion") ?? "");
    }
}
