using System.Xml.Linq;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>One object's properties as RetrievePropertiesEx returned them: path → &lt;val&gt; element.</summary>
public sealed record ObjectProperties(MoRef Target, IReadOnlyDictionary<string, XElement> Values)
{
    public string? Text(string path) => Values.TryGetValue(path, out var value) ? value.Value : null;

    public XElement? Element(string path) => Values.TryGetValue(path, out var value) ? value : null;
}

/// <summary>
/// The PropertyCollector calls: properties of one object, or of every object of a type in a
/// container view. Properties listed in <c>missingSet</c> with a fault (a session the server no
/// longer knows, a privilege the user lacks) are errors, not absent values.
/// </summary>
public static class PropertyReader
{
    /// <summary>Bound on result pages (ContinueRetrievePropertiesEx): a server that keeps sending tokens is not followed forever.</summary>
    private const int MaxPages = 10_000;

    public static ObjectProperties Retrieve(VimClient client, MoRef target, params string[] paths)
    {
        var objectSet = new XElement(VimXml.Vim + "objectSet", target.ToXml("obj"));
        var found = RetrieveAll(client, target.Type, paths, objectSet);
        return found.FirstOrDefault(o => o.Target == target)
            ?? throw new VSphereException(client.Server, $"{target} is gone (deleted while V2V was reading it?)", VSphereException.Usage, faultName: "ManagedObjectNotFound");
    }

    /// <summary>Every object of <paramref name="type"/> under <paramref name="root"/>, through a container view that is destroyed afterwards.</summary>
    public static IReadOnlyList<ObjectProperties> RetrieveAllOfType(VimClient client, MoRef root, string type, params string[] paths)
    {
        var created = client.Invoke("CreateContainerView", client.Content.ViewManager,
        [
            root.ToXml("container"),
            new XElement(VimXml.Vim + "type", type),
            new XElement(VimXml.Vim + "recursive", "true"),
        ]);
        var view = MoRef.From(created.Child("returnval")) ?? throw client.Malformed("CreateContainerView returned no view");
        try
        {
            var objectSet = new XElement(VimXml.Vim + "objectSet",
                view.ToXml("obj"),
                new XElement(VimXml.Vim + "skip", "true"),
                new XElement(VimXml.Vim + "selectSet", new XAttribute(VimXml.Xsi + "type", "TraversalSpec"),
                    new XElement(VimXml.Vim + "name", "view"),
                    new XElement(VimXml.Vim + "type", "ContainerView"),
                    new XElement(VimXml.Vim + "path", "view"),
                    new XElement(VimXml.Vim + "skip", "false")));
            return RetrieveAll(client, type, paths, objectSet);
        }
        finally
        {
            try
            {
                client.Invoke("DestroyView", view, []);
            }
            catch (VSphereException)
            {
                // Views end with the session.
            }
        }
    }

    private static List<ObjectProperties> RetrieveAll(VimClient client, string type, string[] paths, XElement objectSet)
    {
        var spec = new XElement(VimXml.Vim + "specSet",
            new XElement(VimXml.Vim + "propSet", new XElement(VimXml.Vim + "type", type), paths.Select(p => new XElement(VimXml.Vim + "pathSet", p))),
            objectSet);
        var result = new List<ObjectProperties>();
        var response = client.Invoke("RetrievePropertiesEx", client.Content.PropertyCollector, [spec, new XElement(VimXml.Vim + "options")]);
        for (int page = 0; ; page++)
        {
            var returned = response.Child("returnval");
            if (returned is null)
            {
                return result;
            }

            result.AddRange(returned.ChildrenNamed("objects").Select(o => Read(client, o)));
            if (returned.ChildValue("token") is not { Length: > 0 } token)
            {
                return result;
            }

            if (page >= MaxPages)
            {
                throw client.Malformed($"RetrievePropertiesEx kept answering with more pages ({MaxPages})");
            }

            response = client.Invoke("ContinueRetrievePropertiesEx", client.Content.PropertyCollector, [new XElement(VimXml.Vim + "token", token)]);
        }
    }

    private static ObjectProperties Read(VimClient client, XElement objectContent)
    {
        var target = MoRef.From(objectContent.Child("obj")) ?? throw client.Malformed("RetrievePropertiesEx returned an object without a reference");
        foreach (var missing in objectContent.ChildrenNamed("missingSet"))
        {
            var fault = missing.Child("fault")?.Child("fault");
            string? name = fault is null ? null : VimXml.TypeOf(fault);
            if (name is null)
            {
                continue;
            }

            string path = missing.ChildValue("path") ?? "?";
            string problem = name == "NotAuthenticated"
                ? $"reading {path} of {target}: the session is not authenticated (expired, or ended on the server); run again to log in anew"
                : $"reading {path} of {target}: {name}{(name == "NoPermission" ? " (the vSphere user lacks a privilege this needs)" : "")}";
            throw new VSphereException(client.Server, problem, name == "NoPermission" ? VSphereException.Usage : VSphereException.Failure, faultName: name);
        }

        var values = new Dictionary<string, XElement>(StringComparer.Ordinal);
        foreach (var property in objectContent.ChildrenNamed("propSet"))
        {
            if (property.ChildValue("name") is { } name && property.Child("val") is { } value)
            {
                values[name] = value;
            }
        }

        return new ObjectProperties(target, values);
    }
}
